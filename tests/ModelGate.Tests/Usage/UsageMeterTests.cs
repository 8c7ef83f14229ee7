using ModelGate.Storage;
using ModelGate.Tests.Infrastructure;
using ModelGate.Usage;

namespace ModelGate.Tests.Usage;

public sealed class UsageMeterTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Noon = new(2026, 3, 15, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Today = new(2026, 3, 15);

    private readonly ManualClock clock = new(Noon);
    private TableClient table = null!;

    public async Task InitializeAsync() => table = await SharedAzurite.CreateTableAsync("usage");

    public Task DisposeAsync() => table.DeleteAsync();

    private static CallRecord Call(string key = "key1", int status = 200, long promptTokens = 0, long completionTokens = 0,
        decimal price = 0.0025m, string deployment = "chat", string user = "tenant:alice") =>
        new(deployment, key, user, status, status >= 400, LatencyMs: 40, BytesIn: 100, BytesOut: 1000, promptTokens, completionTokens, price);

    private UsageMeter NewMeter(string instance = "inst1", TableClient? over = null) => new(over ?? table, instance, clock);

    private static UsageQuery AllOf(DateOnly day) => new(day, day);

    [Fact]
    public void Record_AggregatesCallsErrorsTokensBytesLatencyAndCost()
    {
        var meter = NewMeter();
        meter.Record(Call(promptTokens: 10, completionTokens: 20));
        meter.Record(Call(promptTokens: 5, completionTokens: 7));
        meter.Record(Call(status: 502));

        var row = Assert.Single(meter.Snapshot(AllOf(Today)));
        Assert.Equal((Today, "chat", "key1", "tenant:alice", "inst1"), (row.Day, row.Deployment, row.KeyId, row.UserId, row.InstanceId));
        Assert.Equal(3, row.Calls);
        Assert.Equal(1, row.Errors);
        Assert.Equal(15, row.PromptTokens);
        Assert.Equal(27, row.CompletionTokens);
        Assert.Equal(300, row.BytesIn);
        Assert.Equal(3000, row.BytesOut);
        Assert.Equal(120, row.LatencyMsTotal);
        Assert.Equal(7_500, row.CostMicros); // 3 × 0.0025 in millionths
    }

    [Fact]
    public void Record_KeysDeploymentsAndDays_AreCountedApart()
    {
        var meter = NewMeter();
        meter.Record(Call("key1"));
        meter.Record(Call("key2"));
        meter.Record(Call("key1", deployment: "other"));
        clock.Advance(TimeSpan.FromDays(1));
        meter.Record(Call("key1"));

        Assert.Equal(3, meter.Snapshot(AllOf(Today)).Count);
        var tomorrow = Assert.Single(meter.Snapshot(AllOf(Today.AddDays(1))));
        Assert.Equal(1, tomorrow.Calls);
    }

    [Fact]
    public void Record_ForwardResult_CountsStreamTokensAndForwardErrorsAsErrors()
    {
        var meter = NewMeter();
        var streamed = new ModelGate.Invoke.ForwardResult(200, ModelGate.Invoke.ForwardError.None, 50, 4000, new ModelGate.Invoke.TokenUsage(11, 22));
        var aborted = new ModelGate.Invoke.ForwardResult(200, ModelGate.Invoke.ForwardError.UpstreamBroken, 50, 10, default);
        meter.Record(CallRecord.For("chat", "key1", "tenant:alice", streamed, 30, 0.5m));
        meter.Record(CallRecord.For("chat", "key1", "tenant:alice", aborted, 30, 0.5m));

        var row = Assert.Single(meter.Snapshot(AllOf(Today)));
        Assert.Equal((2, 1, 11, 22, 100, 4010, 1_000_000), (row.Calls, row.Errors, row.PromptTokens, row.CompletionTokens, row.BytesIn, row.BytesOut, row.CostMicros));
    }

    [Fact]
    public void Record_OnTheSteadyPath_AllocatesNothing()
    {
        var meter = new UsageMeter(table, "inst1", TimeProvider.System);
        var call = Call(promptTokens: 3, completionTokens: 4);
        for (var i = 0; i < 100; i++) meter.Record(call); // first call adds the key; JIT warms up

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++) meter.Record(call);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task Record_FromManyThreads_LosesNoCall()
    {
        var meter = NewMeter();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 5_000; i++) meter.Record(Call("key" + (i % 3)));
        })));
        Assert.Equal(40_000, meter.Snapshot(AllOf(Today)).Sum(r => r.Calls));
    }

    [Theory]
    [InlineData("key|1", "chat")]
    [InlineData("key/1", "chat")]
    [InlineData("key1", "bad#name")]
    [InlineData("", "chat")]
    public void Record_NameThatCannotBeATableKey_IsRefused(string key, string deployment)
    {
        var meter = NewMeter();
        Assert.Throws<ArgumentException>(() => meter.Record(Call(key, deployment: deployment)));
        Assert.Empty(meter.Snapshot(AllOf(Today)));
    }

    [Fact]
    public async Task Flush_WritesOneRowPerKeyAndInstance_WithCumulativeTotals()
    {
        var meter = NewMeter();
        meter.Record(Call(promptTokens: 10));
        meter.Record(Call(status: 500));
        await meter.FlushAsync();

        var entity = await table.GetEntityIfExistsAsync("20260315|chat", "key1|inst1");
        Assert.NotNull(entity);
        Assert.Equal(2, entity.GetInt64("Calls"));
        Assert.Equal(1, entity.GetInt64("Errors"));
        Assert.Equal(10, entity.GetInt64("PromptTokens"));
        Assert.Equal(5_000, entity.GetInt64("CostMicros"));
        Assert.Equal("tenant:alice", entity.GetString("UserId"));
        Assert.Equal("2026-03-15", entity.GetString("Day"));
        Assert.Equal(0, meter.PendingRows);

        meter.Record(Call());
        Assert.Equal(1, meter.PendingRows);
        await meter.FlushAsync();
        entity = await table.GetEntityIfExistsAsync("20260315|chat", "key1|inst1");
        Assert.Equal(3, entity!.GetInt64("Calls")); // the whole total, not an increment
    }

    [Fact]
    public async Task Flush_Repeated_WritesTheSameNumbers()
    {
        var meter = NewMeter();
        for (var i = 0; i < 7; i++) meter.Record(Call());
        await meter.FlushAsync();
        await meter.FlushAsync();
        await meter.FlushAsync(includeUnchanged: true, CancellationToken.None); // a retried write of rows already written
        await meter.FlushAsync(includeUnchanged: true, CancellationToken.None);

        var rows = await ReadTableAsync();
        var row = Assert.Single(rows);
        Assert.Equal(7, row.Calls);
        Assert.Equal(17_500, row.CostMicros);
    }

    [Fact]
    public async Task Flush_TwoInstances_KeepTheirOwnRowsForTheSameKey()
    {
        var first = NewMeter("inst1");
        var second = NewMeter("inst2");
        for (var i = 0; i < 3; i++) first.Record(Call());
        for (var i = 0; i < 4; i++) second.Record(Call());
        await first.FlushAsync();
        await second.FlushAsync();
        await first.FlushAsync(includeUnchanged: true, CancellationToken.None);

        var rows = await ReadTableAsync();
        Assert.Equal(2, rows.Count);
        Assert.Equal(7, rows.Sum(r => r.Calls));
        Assert.Equal(["inst1", "inst2"], rows.Select(r => r.InstanceId).Order());
    }

    [Fact]
    public async Task Flush_MoreThan100RowsInAPartition_GoesInSeveralTransactions()
    {
        var meter = NewMeter();
        for (var k = 0; k < 250; k++) meter.Record(Call("key" + k));
        await meter.FlushAsync();

        var rows = await ReadTableAsync();
        Assert.Equal(250, rows.Count);
        Assert.Equal(0, meter.PendingRows);
    }

    [Fact]
    public async Task Flush_Failed_KeepsTheCountsForTheNextFlush()
    {
        // A table that does not exist yet: the service refuses the batch, as it would when the store is down.
        var service = await SharedAzurite.CreateServiceClientAsync();
        var missing = service.GetTableClient("usagelater" + Guid.NewGuid().ToString("N")[..12]);
        var meter = NewMeter(over: missing);
        for (var i = 0; i < 5; i++) meter.Record(Call());
        meter.Record(Call("key2"));

        var failure = await Assert.ThrowsAsync<AggregateException>(() => meter.FlushAsync());
        Assert.Contains("404", UsageMeter.Describe(failure));
        Assert.Equal(2, meter.PendingRows);

        meter.Record(Call());
        await missing.CreateIfNotExistsAsync();
        try
        {
            await meter.FlushAsync();
            Assert.Equal(0, meter.PendingRows);
            var written = await meter.ReadAsync(AllOf(Today));
            Assert.Equal(7, written.Sum(r => r.Calls));
            var fromTable = new List<UsageRow>();
            await foreach (var e in missing.QueryAsync()) fromTable.Add(UsageRow.FromEntity(e));
            Assert.Equal(7, fromTable.Sum(r => r.Calls));
        }
        finally
        {
            await missing.DeleteAsync();
        }
    }

    [Fact]
    public async Task Flush_EvictsWrittenDaysBeforeYesterday_ButKeepsTheirRows()
    {
        var meter = NewMeter();
        meter.Record(Call());
        clock.Advance(TimeSpan.FromDays(1));
        meter.Record(Call());
        await meter.FlushAsync();
        clock.Advance(TimeSpan.FromDays(1));
        await meter.FlushAsync();

        var range = new UsageQuery(Today, Today.AddDays(2));
        Assert.Equal([Today.AddDays(1)], meter.Snapshot(range).Select(r => r.Day));
        Assert.Equal(2, (await meter.ReadAsync(range)).Sum(r => r.Calls));
    }

    [Fact]
    public async Task Read_MergesUnflushedLocalTotalsOverThisInstancesRows()
    {
        var meter = NewMeter("inst1");
        var other = NewMeter("inst2");
        meter.Record(Call());
        other.Record(Call());
        await meter.FlushAsync();
        await other.FlushAsync();
        meter.Record(Call());
        other.Record(Call()); // not flushed: another instance's calls show after its flush

        var rows = await meter.ReadAsync(AllOf(Today));
        Assert.Equal(2, rows.Single(r => r.InstanceId == "inst1").Calls);
        Assert.Equal(1, rows.Single(r => r.InstanceId == "inst2").Calls);
    }

    [Fact]
    public void InstanceId_InAzure_StartsWithTheWorkerAndDiffersPerProcessStart()
    {
        var a = UsageSetup.NewInstanceId("0123456789abcdef0123456789abcdef");
        var b = UsageSetup.NewInstanceId("0123456789abcdef0123456789abcdef");
        Assert.StartsWith("0123456789abcdef-", a);
        Assert.NotEqual(a, b);
        Assert.True(ModelGate.Problems.Text.IsKeySafe(UsageSetup.NewInstanceId(null)));
    }

    private async Task<List<UsageRow>> ReadTableAsync()
    {
        var rows = new List<UsageRow>();
        await foreach (var entity in table.QueryAsync()) rows.Add(UsageRow.FromEntity(entity));
        return rows;
    }
}
