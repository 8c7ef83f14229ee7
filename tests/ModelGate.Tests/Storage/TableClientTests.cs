using Azure;
using ModelGate.Storage;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.Storage;

public sealed class TableClientTests : IAsyncLifetime
{
    private TableClient _table = null!;

    public async Task InitializeAsync() => _table = await SharedAzurite.CreateTableAsync();

    public Task DisposeAsync() => _table.DeleteAsync();

    [Fact]
    public async Task UpsertThenGet_EverySupportedType_RoundTrips()
    {
        var when = new DateTimeOffset(2026, 11, 22, 8, 1, 2, TimeSpan.FromHours(2)).AddTicks(1234567);
        var id = Guid.NewGuid();
        byte[] bytes = [0, 1, 2, 254, 255];
        var entity = new TableEntity("p", "types")
        {
            ["Text"] = "hello \"world\" ' \u00e9",
            ["Flag"] = true,
            ["Int"] = -42,
            ["Long"] = (1L << 53) + 1,
            ["LongMax"] = long.MaxValue,
            ["LongMin"] = long.MinValue,
            ["Double"] = 0.1,
            ["WholeDouble"] = 3.0,
            ["Huge"] = -1.5e300,
            ["When"] = when,
            ["Id"] = id,
            ["Bytes"] = bytes,
        };

        ETag etag = await _table.UpsertEntityAsync(entity);
        TableEntity? read = await _table.GetEntityIfExistsAsync("p", "types");

        Assert.NotNull(read);
        Assert.Equal("p", read.PartitionKey);
        Assert.Equal("types", read.RowKey);
        Assert.Equal(etag, read.ETag);
        Assert.NotNull(read.Timestamp);
        Assert.Equal("hello \"world\" ' \u00e9", read.GetString("Text"));
        Assert.True(read.GetBoolean("Flag"));
        Assert.Equal(-42, read.GetInt32("Int"));
        Assert.Equal((1L << 53) + 1, read.GetInt64("Long"));
        Assert.Equal(long.MaxValue, read.GetInt64("LongMax"));
        Assert.Equal(long.MinValue, read.GetInt64("LongMin"));
        Assert.Equal(0.1, read.GetDouble("Double"));
        Assert.IsType<double>(read["WholeDouble"]);
        Assert.Equal(3.0, read.GetDouble("WholeDouble"));
        Assert.Equal(-1.5e300, read.GetDouble("Huge"));
        Assert.Equal(when, read.GetDateTimeOffset("When"));
        Assert.Equal(TimeSpan.Zero, read.GetDateTimeOffset("When")!.Value.Offset);
        Assert.Equal(id, read.GetGuid("Id"));
        Assert.Equal(bytes, read.GetBinary("Bytes"));
        Assert.IsType<int>(read["Int"]);
        Assert.IsType<long>(read["Long"]);
    }

    [Fact]
    public async Task GetEntityIfExists_MissingEntity_ReturnsNull()
    {
        Assert.Null(await _table.GetEntityIfExistsAsync("p", "nobody"));
    }

    [Fact]
    public async Task GetEntityIfExists_MissingTable_Throws404TableNotFound()
    {
        TableServiceClient service = await SharedAzurite.CreateServiceClientAsync();
        TableClient missing = service.GetTableClient("missing" + Guid.NewGuid().ToString("N"));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => missing.GetEntityIfExistsAsync("p", "r"));

        Assert.Equal(404, error.Status);
        Assert.Equal("TableNotFound", error.ErrorCode);
    }

    [Fact]
    public async Task AddEntity_KeysAlreadyTaken_Throws409EntityAlreadyExists()
    {
        await _table.AddEntityAsync(new TableEntity("p", "twice") { ["N"] = 1 });

        var error = await Assert.ThrowsAsync<RequestFailedException>(
            () => _table.AddEntityAsync(new TableEntity("p", "twice") { ["N"] = 2 }));

        Assert.Equal(409, error.Status);
        Assert.Equal("EntityAlreadyExists", error.ErrorCode);
        Assert.Equal(1, (await _table.GetEntityIfExistsAsync("p", "twice"))!.GetInt32("N"));
    }

    [Fact]
    public async Task UpdateEntity_StaleETag_Throws412AndLeavesEntityUnchanged()
    {
        ETag original = await _table.AddEntityAsync(new TableEntity("p", "conflict") { ["Owner"] = "first" });
        ETag current = await _table.UpdateEntityAsync(new TableEntity("p", "conflict") { ["Owner"] = "second" }, original);

        var error = await Assert.ThrowsAsync<RequestFailedException>(
            () => _table.UpdateEntityAsync(new TableEntity("p", "conflict") { ["Owner"] = "third" }, original, TableUpdateMode.Replace));

        Assert.Equal(412, error.Status);
        Assert.Equal("UpdateConditionNotSatisfied", error.ErrorCode);
        TableEntity? stored = await _table.GetEntityIfExistsAsync("p", "conflict");
        Assert.Equal("second", stored!.GetString("Owner"));
        Assert.Equal(current, stored.ETag);
    }

    [Fact]
    public async Task UpdateEntity_MissingEntity_Throws404()
    {
        var error = await Assert.ThrowsAsync<RequestFailedException>(
            () => _table.UpdateEntityAsync(new TableEntity("p", "ghost") { ["A"] = 1 }, ETag.All));

        Assert.Equal(404, error.Status);
        Assert.Null(await _table.GetEntityIfExistsAsync("p", "ghost"));
    }

    [Fact]
    public async Task UpdateEntity_Merge_KeepsPropertiesNotSent()
    {
        ETag etag = await _table.AddEntityAsync(new TableEntity("p", "merge") { ["A"] = "a", ["B"] = "b" });

        await _table.UpdateEntityAsync(new TableEntity("p", "merge") { ["B"] = "b2", ["C"] = "c" }, etag, TableUpdateMode.Merge);

        TableEntity? stored = await _table.GetEntityIfExistsAsync("p", "merge");
        Assert.Equal("a", stored!.GetString("A"));
        Assert.Equal("b2", stored.GetString("B"));
        Assert.Equal("c", stored.GetString("C"));
    }

    [Fact]
    public async Task UpdateEntity_Replace_DropsPropertiesNotSent()
    {
        ETag etag = await _table.AddEntityAsync(new TableEntity("p", "replace") { ["A"] = "a", ["B"] = "b" });

        await _table.UpdateEntityAsync(new TableEntity("p", "replace") { ["B"] = "b2" }, etag, TableUpdateMode.Replace);

        TableEntity? stored = await _table.GetEntityIfExistsAsync("p", "replace");
        Assert.False(stored!.ContainsKey("A"));
        Assert.Equal("b2", stored.GetString("B"));
    }

    [Fact]
    public async Task UpsertEntity_MergeOrReplace_CreatesThenMergesOrReplaces()
    {
        await _table.UpsertEntityAsync(new TableEntity("p", "upsert") { ["A"] = "a", ["B"] = "b" }, TableUpdateMode.Merge);
        await _table.UpsertEntityAsync(new TableEntity("p", "upsert") { ["C"] = "c" }, TableUpdateMode.Merge);
        TableEntity? merged = await _table.GetEntityIfExistsAsync("p", "upsert");

        await _table.UpsertEntityAsync(new TableEntity("p", "upsert") { ["D"] = "d" }, TableUpdateMode.Replace);
        TableEntity? replaced = await _table.GetEntityIfExistsAsync("p", "upsert");

        Assert.Equal(new string?[] { "a", "b", "c" }, new[] { merged!.GetString("A"), merged.GetString("B"), merged.GetString("C") });
        Assert.Equal("d", replaced!.GetString("D"));
        Assert.False(replaced.ContainsKey("A"));
        Assert.False(replaced.ContainsKey("C"));
    }

    [Fact]
    public async Task DeleteEntity_StaleETag_Throws412AndKeepsEntity()
    {
        ETag original = await _table.AddEntityAsync(new TableEntity("p", "delete-stale") { ["V"] = 1 });
        await _table.UpdateEntityAsync(new TableEntity("p", "delete-stale") { ["V"] = 2 }, original);

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => _table.DeleteEntityAsync("p", "delete-stale", original));

        Assert.Equal(412, error.Status);
        Assert.Equal(2, (await _table.GetEntityIfExistsAsync("p", "delete-stale"))!.GetInt32("V"));
    }

    [Fact]
    public async Task DeleteEntity_CurrentETagOrAny_Deletes()
    {
        ETag etag = await _table.AddEntityAsync(new TableEntity("p", "delete-1"));
        await _table.AddEntityAsync(new TableEntity("p", "delete-2"));

        await _table.DeleteEntityAsync("p", "delete-1", etag);
        await _table.DeleteEntityAsync("p", "delete-2");

        Assert.Null(await _table.GetEntityIfExistsAsync("p", "delete-1"));
        Assert.Null(await _table.GetEntityIfExistsAsync("p", "delete-2"));
    }

    [Fact]
    public async Task DeleteEntity_MissingEntity_DoesNotThrow()
    {
        await _table.DeleteEntityAsync("p", "never-there");
        await _table.DeleteEntityAsync("p", "never-there", new ETag("W/\"datetime'2020-01-01T00%3A00%3A00.0000000Z'\""));
    }

    [Theory]
    [InlineData("O'Brien")]
    [InlineData("''")]
    [InlineData("Zo\u00eb")]
    [InlineData("\u65e5\u672c")]
    [InlineData("\U0001F600 smile")]
    [InlineData("a (b), c=d & e+f %20 ; ~!*$@")]
    public async Task Keys_WithQuotesAndNonAscii_RoundTripThroughGetUpdateQueryAndDelete(string key)
    {
        ETag etag = await _table.AddEntityAsync(new TableEntity(key, key) { ["V"] = 1 });

        TableEntity? read = await _table.GetEntityIfExistsAsync(key, key);
        ETag updated = await _table.UpdateEntityAsync(new TableEntity(key, key) { ["V"] = 2 }, etag);
        var queried = new List<TableEntity>();
        await foreach (TableEntity entity in _table.QueryAsync(TableFilter.Create($"PartitionKey eq {key} and RowKey eq {key}")))
        {
            queried.Add(entity);
        }

        await _table.DeleteEntityAsync(key, key, updated);

        Assert.Equal(key, read!.PartitionKey);
        Assert.Equal(key, read.RowKey);
        TableEntity single = Assert.Single(queried);
        Assert.Equal(key, single.RowKey);
        Assert.Equal(2, single.GetInt32("V"));
        Assert.Null(await _table.GetEntityIfExistsAsync(key, key));
    }

    [Fact]
    public async Task Query_FilterValueTryingToWidenTheQuery_MatchesOnlyTheExactValue()
    {
        const string hostile = "x' or PartitionKey ne '";
        await _table.UpsertEntityAsync(new TableEntity("groups", "a") { ["Group"] = "admins" });
        await _table.UpsertEntityAsync(new TableEntity("groups", "b") { ["Group"] = hostile });
        await _table.UpsertEntityAsync(new TableEntity("other", "c") { ["Group"] = "x" });

        var found = new List<TableEntity>();
        await foreach (TableEntity entity in _table.QueryAsync(TableFilter.Create($"Group eq {hostile}")))
        {
            found.Add(entity);
        }

        TableEntity only = Assert.Single(found);
        Assert.Equal("b", only.RowKey);
    }

    [Fact]
    public async Task Query_TypedFilterValues_MatchTheStoredTypes()
    {
        var when = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var id = Guid.NewGuid();
        await _table.UpsertEntityAsync(new TableEntity("typed", "1")
        {
            ["Long"] = 5_000_000_000L,
            ["When"] = when,
            ["Id"] = id,
            ["Flag"] = true,
            ["Score"] = 2.5,
        });
        await _table.UpsertEntityAsync(new TableEntity("typed", "2")
        {
            ["Long"] = 1L,
            ["When"] = when.AddDays(-1),
            ["Id"] = Guid.NewGuid(),
            ["Flag"] = false,
            ["Score"] = 1.0,
        });

        var found = new List<TableEntity>();
        string filter = TableFilter.Create(
            $"PartitionKey eq {"typed"} and Long gt {4_000_000_000L} and When ge {when} and Id eq {id} and Flag eq {true} and Score gt {2.0}");
        await foreach (TableEntity entity in _table.QueryAsync(filter))
        {
            found.Add(entity);
        }

        Assert.Equal("1", Assert.Single(found).RowKey);
    }

    [Fact]
    public async Task Select_SomeProperties_ReturnsOnlyThoseProperties()
    {
        await _table.UpsertEntityAsync(new TableEntity("select", "r") { ["Keep"] = "k", ["Other"] = 1, ["Secret"] = "s" });

        TableEntity? point = await _table.GetEntityIfExistsAsync("select", "r", select: ["Keep"]);
        var queried = new List<TableEntity>();
        await foreach (TableEntity entity in _table.QueryAsync(TableFilter.Create($"PartitionKey eq {"select"}"), select: ["Keep", "RowKey"]))
        {
            queried.Add(entity);
        }

        Assert.Equal("k", point!.GetString("Keep"));
        Assert.False(point.ContainsKey("Other"));
        Assert.False(point.ContainsKey("Secret"));
        TableEntity row = Assert.Single(queried);
        Assert.Equal("k", row.GetString("Keep"));
        Assert.Equal("r", row.RowKey);
        Assert.False(row.ContainsKey("Other"));
        Assert.False(row.ContainsKey("Secret"));
    }

    [Fact]
    public async Task CreateIfNotExists_ExistingTable_DoesNotThrow()
    {
        await _table.CreateIfNotExistsAsync();
    }

    [Fact]
    public async Task Delete_MissingTable_DoesNotThrow()
    {
        TableServiceClient service = await SharedAzurite.CreateServiceClientAsync();
        await service.GetTableClient("gone" + Guid.NewGuid().ToString("N")).DeleteAsync();
    }
}
