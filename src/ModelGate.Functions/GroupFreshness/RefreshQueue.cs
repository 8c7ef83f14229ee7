using Azure;
using ModelGate.Storage;

namespace ModelGate.GroupFreshness;

/// <summary>A notified group waiting for a targeted refresh, with the version of its queue row.</summary>
public sealed record PendingGroup(string GroupId, ETag ETag);

/// <summary>
/// Groups named by change notifications, kept in the DirectorySync table until a refresh has taken them in: the
/// webhook answers Graph as soon as they are stored, and an instance that stops before refreshing leaves them for
/// whichever runs next (the notification worker of any instance, or the timer). A group notified again while a
/// refresh runs keeps its row, because the row is deleted only over the version that refresh read.
/// </summary>
public sealed class RefreshQueue(Tables tables, TimeProvider clock)
{
    private const string Partition = "pending";
    private const int MaxBatch = 100;

    private TableClient Table => tables.DirectorySync;

    public async Task AddAsync(IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        foreach (var batch in groupIds.Distinct(StringComparer.Ordinal).Chunk(MaxBatch))
        {
            await Table.SubmitTransactionAsync(batch.Select(id => new TableTransactionAction(
                TableTransactionActionType.UpsertReplace, new TableEntity(Partition, id) { ["NotifiedAt"] = now })), cancellationToken);
        }
    }

    public async Task<List<PendingGroup>> ReadAsync(CancellationToken cancellationToken)
    {
        var pending = new List<PendingGroup>();
        await foreach (var entity in Table.QueryAsync(TableFilter.Create($"PartitionKey eq {Partition}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
            pending.Add(new PendingGroup(entity.RowKey, entity.ETag));
        return pending;
    }

    /// <summary>Removes groups a refresh has taken in, unless they were notified again since they were read.</summary>
    public async Task RemoveAsync(IEnumerable<PendingGroup> done, CancellationToken cancellationToken)
    {
        foreach (var batch in done.Chunk(MaxBatch))
        {
            try
            {
                await Table.SubmitTransactionAsync(batch.Select(p => new TableTransactionAction(
                    TableTransactionActionType.Delete, new TableEntity(Partition, p.GroupId), p.ETag)), cancellationToken);
            }
            catch (TableTransactionFailedException e) when (e.Status is 404 or 412)
            {
                // One row was notified again (or taken by another run): delete the others one by one, keep that one.
                foreach (var p in batch)
                {
                    try
                    {
                        await Table.DeleteEntityAsync(Partition, p.GroupId, p.ETag, cancellationToken);
                    }
                    catch (RequestFailedException conflict) when (conflict.Status == 412)
                    {
                    }
                }
            }
        }
    }
}
