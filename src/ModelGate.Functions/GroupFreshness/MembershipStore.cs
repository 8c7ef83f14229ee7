using System.Text;
using System.Text.Json;
using Azure;
using ModelGate.Directory;
using ModelGate.Storage;

namespace ModelGate.GroupFreshness;

/// <summary>The refresh state as stored: the chunks, and the generation of the stored member edges.</summary>
public sealed record StoredChunks(IReadOnlyList<SyncChunk> Chunks, long Generation);

/// <summary>
/// The refresh state in the DirectorySync table. Chunks (groups, names, delta link) are rows of partition
/// <c>chunks</c>, beside a state row whose generation changes whenever member edges are about to change. Member
/// edges are one row per (group, member) in 16 partitions picked by a hash of the group id: a delta changes single
/// edges, which then cost single writes, batched 100 to a transaction, and no row ever approaches Table Storage's
/// size limits however big a group is.
/// </summary>
public sealed class MembershipStore(Tables tables)
{
    private const string ChunkPartition = "chunks";
    private const string StateRow = "~state";
    private const string EdgePartitionPrefix = "edges-";
    private const int EdgePartitions = 16;
    private const int MaxBatch = 100;
    private const int ParallelBatches = 4;

    // Names are for people reading the table; cut and unescaped, 50 of them stay far below a property's 32K characters.
    private const int MaxNameLength = 100;
    private static readonly JsonSerializerOptions NamesJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private TableClient Table => tables.DirectorySync;

    public async Task<StoredChunks> LoadChunksAsync(CancellationToken cancellationToken)
    {
        var chunks = new List<SyncChunk>();
        long generation = 0;
        await foreach (var entity in Table.QueryAsync(TableFilter.Create($"PartitionKey eq {ChunkPartition}"), cancellationToken: cancellationToken))
        {
            if (entity.RowKey == StateRow)
            {
                generation = entity.GetInt64("Generation") ?? 0;
                continue;
            }
            chunks.Add(new SyncChunk(entity.RowKey, Json<string[]>(entity, "Groups") ?? [], entity.GetString("DeltaLink") ?? "")
            {
                Names = Json<Dictionary<string, string>>(entity, "Names") is { } names
                    ? new Dictionary<string, string>(names, StringComparer.Ordinal)
                    : new(StringComparer.Ordinal),
                Named = (Json<string[]>(entity, "Named") ?? []).ToHashSet(StringComparer.Ordinal),
            });
        }
        return new StoredChunks(chunks, generation);
    }

    /// <summary>Every stored member edge.</summary>
    public async Task<MembershipGraph> LoadGraphAsync(CancellationToken cancellationToken)
    {
        var graph = new MembershipGraph();
        var filter = TableFilter.Create($"PartitionKey ge {EdgePartitionPrefix} and PartitionKey lt {EdgePartitionPrefix[..^1] + "."}");
        await foreach (var entity in Table.QueryAsync(filter, select: ["PartitionKey", "RowKey", "Kind"], cancellationToken: cancellationToken))
        {
            var separator = entity.RowKey.IndexOf('|');
            if (separator <= 0) continue;
            graph.Add(entity.RowKey[..separator], entity.RowKey[(separator + 1)..], entity.GetString("Kind") == "group" ? MemberKind.Group : MemberKind.User);
        }
        return graph;
    }

    /// <summary>
    /// Before member edges change: moves the generation on (so every instance reloads edges instead of trusting its
    /// copy) and clears the delta link of every stored chunk named, so that if the edge writes stop half-way, the
    /// next run takes those chunks' full state instead of applying a delta to edges it cannot trust.
    /// </summary>
    public async Task MarkChangingAsync(IEnumerable<string> chunkIds, long generation, CancellationToken cancellationToken)
    {
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.UpsertMerge, new TableEntity(ChunkPartition, StateRow) { ["Generation"] = generation }),
        };
        actions.AddRange(chunkIds.Distinct(StringComparer.Ordinal)
            .Select(id => new TableTransactionAction(TableTransactionActionType.UpsertMerge, new TableEntity(ChunkPartition, id) { ["DeltaLink"] = "" })));
        // The state row goes first, in the first transaction: a reader never sees cleared links under the old generation.
        foreach (var batch in actions.Chunk(MaxBatch)) await Table.SubmitTransactionAsync(batch, cancellationToken);
    }

    /// <summary>Writes the difference between two graphs for the groups given; returns the rows written or deleted.</summary>
    public async Task<int> WriteEdgesAsync(MembershipGraph before, MembershipGraph after, IEnumerable<string> groups, CancellationToken cancellationToken)
    {
        var actions = new List<TableTransactionAction>();
        foreach (var group in groups.Distinct(StringComparer.Ordinal))
        {
            var partition = EdgePartition(group);
            var old = before.MembersOf(group);
            var current = after.MembersOf(group);
            foreach (var (member, kind) in current)
            {
                if (old.TryGetValue(member, out var was) && was == kind) continue;
                actions.Add(new(TableTransactionActionType.UpsertReplace, new TableEntity(partition, group + "|" + member)
                {
                    ["Kind"] = kind == MemberKind.Group ? "group" : "user",
                }));
            }
            foreach (var member in old.Keys.Where(m => !current.ContainsKey(m)))
                actions.Add(new(TableTransactionActionType.Delete, new TableEntity(partition, group + "|" + member), ETag.All));
        }

        var batches = actions.GroupBy(a => a.Entity.PartitionKey, StringComparer.Ordinal).SelectMany(p => p.Chunk(MaxBatch)).ToList();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = ParallelBatches, CancellationToken = cancellationToken },
            async (batch, token) => await SubmitIdempotentAsync([.. batch], token));
        return actions.Count;
    }

    /// <summary>Stores the chunks (groups, names, links), deletes the ones gone, and records the generation.</summary>
    public async Task SaveChunksAsync(IEnumerable<SyncChunk> chunks, IEnumerable<string> removedChunkIds, long generation, CancellationToken cancellationToken)
    {
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.UpsertMerge, new TableEntity(ChunkPartition, StateRow) { ["Generation"] = generation }),
        };
        foreach (var chunk in chunks)
        {
            actions.Add(new(TableTransactionActionType.UpsertReplace, new TableEntity(ChunkPartition, chunk.Id)
            {
                ["Groups"] = JsonSerializer.Serialize(chunk.Groups),
                ["Named"] = JsonSerializer.Serialize(chunk.Named.Order(StringComparer.Ordinal)),
                ["Names"] = JsonSerializer.Serialize(chunk.Names.ToDictionary(n => n.Key, n => n.Value.Length > MaxNameLength ? n.Value[..MaxNameLength] : n.Value), NamesJson),
                ["DeltaLink"] = chunk.DeltaLink,
            }));
        }
        var live = chunks.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var id in removedChunkIds.Where(id => !live.Contains(id)).Distinct(StringComparer.Ordinal))
            actions.Add(new(TableTransactionActionType.Delete, new TableEntity(ChunkPartition, id), ETag.All));
        foreach (var batch in actions.Chunk(MaxBatch)) await SubmitIdempotentAsync([.. batch], cancellationToken);
    }

    /// <summary>
    /// Submits a transaction of upserts and deletes, dropping deletes of rows already gone (a run that stopped
    /// half-way and is done again may find its deletes done).
    /// </summary>
    private async Task SubmitIdempotentAsync(List<TableTransactionAction> batch, CancellationToken cancellationToken)
    {
        while (batch.Count > 0)
        {
            try
            {
                await Table.SubmitTransactionAsync(batch, cancellationToken);
                return;
            }
            catch (TableTransactionFailedException e) when (e.Status == 404 && e.FailedActionIndex is { } index
                && index < batch.Count && batch[index].ActionType == TableTransactionActionType.Delete)
            {
                batch.RemoveAt(index);
            }
        }
    }

    // FNV-1a over UTF-8: stable across processes and versions, unlike string.GetHashCode.
    internal static string EdgePartition(string groupId)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(groupId))
        {
            hash ^= b;
            hash *= 16777619u;
        }
        return EdgePartitionPrefix + (hash % EdgePartitions).ToString("x", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static T? Json<T>(TableEntity entity, string property) where T : class =>
        entity.GetString(property) is { Length: > 0 } text ? JsonSerializer.Deserialize<T>(text) : null;
}
