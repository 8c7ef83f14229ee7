using Azure;
using ModelGate.Storage;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.Storage;

public sealed class TableTransactionTests : IAsyncLifetime
{
    private TableClient _table = null!;

    public async Task InitializeAsync() => _table = await SharedAzurite.CreateTableAsync();

    public Task DisposeAsync() => _table.DeleteAsync();

    [Fact]
    public async Task SubmitTransaction_MixedActions_AppliesAllAndReturnsETagsInOrder()
    {
        ETag toUpdate = await _table.AddEntityAsync(new TableEntity("mixed", "update") { ["V"] = 1, ["Kept"] = "yes" });
        await _table.AddEntityAsync(new TableEntity("mixed", "replace") { ["V"] = 1, ["Dropped"] = "yes" });
        await _table.AddEntityAsync(new TableEntity("mixed", "delete"));

        IReadOnlyList<ETag> etags = await _table.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.Add, new TableEntity("mixed", "add") { ["V"] = 1 }),
            new(TableTransactionActionType.UpdateMerge, new TableEntity("mixed", "update") { ["V"] = 2 }, toUpdate),
            new(TableTransactionActionType.UpdateReplace, new TableEntity("mixed", "replace") { ["V"] = 2 }),
            new(TableTransactionActionType.UpsertMerge, new TableEntity("mixed", "upsert-merge") { ["V"] = 1 }),
            new(TableTransactionActionType.UpsertReplace, new TableEntity("mixed", "upsert-replace") { ["V"] = 1 }),
            new(TableTransactionActionType.Delete, new TableEntity("mixed", "delete")),
        ]);

        Assert.Equal(6, etags.Count);
        Assert.All(etags.Take(5), etag => Assert.NotEqual(default, etag));
        Assert.Equal(default, etags[5]);
        TableEntity? updated = await _table.GetEntityIfExistsAsync("mixed", "update");
        Assert.Equal(2, updated!.GetInt32("V"));
        Assert.Equal("yes", updated.GetString("Kept"));
        Assert.Equal(etags[1], updated.ETag);
        TableEntity? replaced = await _table.GetEntityIfExistsAsync("mixed", "replace");
        Assert.False(replaced!.ContainsKey("Dropped"));
        Assert.Equal(etags[0], (await _table.GetEntityIfExistsAsync("mixed", "add"))!.ETag);
        Assert.NotNull(await _table.GetEntityIfExistsAsync("mixed", "upsert-merge"));
        Assert.NotNull(await _table.GetEntityIfExistsAsync("mixed", "upsert-replace"));
        Assert.Null(await _table.GetEntityIfExistsAsync("mixed", "delete"));
    }

    [Fact]
    public async Task SubmitTransaction_ThirdActionAddsExistingRow_ThrowsWithIndex2AndWritesNothing()
    {
        await _table.AddEntityAsync(new TableEntity("atomic", "taken") { ["V"] = "original" });
        ETag takenETag = (await _table.GetEntityIfExistsAsync("atomic", "taken"))!.ETag;
        TableTransactionAction[] actions =
        [
            new(TableTransactionActionType.Add, new TableEntity("atomic", "new-1")),
            new(TableTransactionActionType.UpsertReplace, new TableEntity("atomic", "new-2")),
            new(TableTransactionActionType.Add, new TableEntity("atomic", "taken") { ["V"] = "overwritten" }),
            new(TableTransactionActionType.Add, new TableEntity("atomic", "new-3")),
        ];

        var error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => _table.SubmitTransactionAsync(actions));

        Assert.Equal(2, error.FailedActionIndex);
        Assert.Same(actions[2], error.FailedTransactionAction);
        Assert.Equal(409, error.Status);
        Assert.Equal("EntityAlreadyExists", error.ErrorCode);
        Assert.Null(await _table.GetEntityIfExistsAsync("atomic", "new-1"));
        Assert.Null(await _table.GetEntityIfExistsAsync("atomic", "new-2"));
        Assert.Null(await _table.GetEntityIfExistsAsync("atomic", "new-3"));
        TableEntity? taken = await _table.GetEntityIfExistsAsync("atomic", "taken");
        Assert.Equal("original", taken!.GetString("V"));
        Assert.Equal(takenETag, taken.ETag);
    }

    [Fact]
    public async Task SubmitTransaction_StaleETag_ThrowsWith412AndTheIndex()
    {
        ETag stale = await _table.AddEntityAsync(new TableEntity("stale", "r") { ["V"] = 1 });
        await _table.UpsertEntityAsync(new TableEntity("stale", "r") { ["V"] = 2 });

        var error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => _table.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.Add, new TableEntity("stale", "other")),
            new(TableTransactionActionType.UpdateMerge, new TableEntity("stale", "r") { ["V"] = 3 }, stale),
        ]));

        Assert.Equal(412, error.Status);
        Assert.Equal(1, error.FailedActionIndex);
        Assert.Null(await _table.GetEntityIfExistsAsync("stale", "other"));
    }

    [Fact]
    public async Task SubmitTransaction_TwoPartitions_ThrowsArgumentExceptionBeforeSending()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _table.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.Add, new TableEntity("one", "r")),
            new(TableTransactionActionType.Add, new TableEntity("two", "r")),
        ]));

        Assert.Equal("actions", error.ParamName);
        Assert.Null(await _table.GetEntityIfExistsAsync("one", "r"));
    }

    [Fact]
    public async Task Query_2500Rows_FollowsContinuationsAndResumesFromAToken()
    {
        const int rows = 2_500;
        for (int batch = 0; batch < rows / 100; batch++)
        {
            var actions = new List<TableTransactionAction>(100);
            for (int i = 0; i < 100; i++)
            {
                int n = batch * 100 + i;
                actions.Add(new(TableTransactionActionType.Add, new TableEntity("paging", n.ToString("D5")) { ["N"] = n }));
            }

            await _table.SubmitTransactionAsync(actions);
        }

        string filter = TableFilter.Create($"PartitionKey eq {"paging"}");
        var all = new List<int>();
        await foreach (TableEntity entity in _table.QueryAsync(filter))
        {
            all.Add(entity.GetInt32("N")!.Value);
        }

        var pageSizes = new List<int>();
        string? firstToken = null;
        await foreach (Page<TableEntity> page in _table.QueryAsync(filter, maxPerPage: 1_000).AsPages())
        {
            pageSizes.Add(page.Values.Count);
            firstToken ??= page.ContinuationToken;
        }

        var resumed = new List<int>();
        await foreach (Page<TableEntity> page in _table.QueryAsync(filter, maxPerPage: 1_000).AsPages(firstToken))
        {
            resumed.AddRange(page.Values.Select(entity => entity.GetInt32("N")!.Value));
        }

        Assert.Equal(Enumerable.Range(0, rows), all);
        Assert.Equal([1_000, 1_000, 500], pageSizes);
        Assert.NotNull(firstToken);
        Assert.Equal(Enumerable.Range(1_000, 1_500), resumed);
    }
}
