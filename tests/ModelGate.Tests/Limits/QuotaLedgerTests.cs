using Azure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ModelGate.Limits;
using ModelGate.Storage;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.Limits;

public sealed class QuotaLedgerTests : IAsyncLifetime
{
    private static readonly DateTimeOffset MidMarch = new(2026, 3, 15, 12, 0, 0, TimeSpan.Zero);

    private readonly ManualClock clock = new(MidMarch);
    private TableClient table = null!;

    public async Task InitializeAsync() => table = await SharedAzurite.CreateTableAsync("quotas");

    public Task DisposeAsync() => table.DeleteAsync();

    private QuotaLedger NewLedger(TableClient? over = null) => new(over ?? table, clock, NullLogger<QuotaLedger>.Instance);

    private async Task<long?> UsedAsync(string month, string deployment, string user) =>
        (await table.GetEntityIfExistsAsync(month + "|" + deployment, user))?.GetInt64("Used");

    [Fact]
    public async Task QuotaOfFive_AllowsFiveThenDeniesUntilTheNextMonth()
    {
        var ledger = NewLedger();
        for (var i = 0; i < 5; i++) Assert.True((await ledger.TryConsumeAsync("t:alice", "chat", 5)).Allowed);

        var denied = await ledger.TryConsumeAsync("t:alice", "chat", 5);
        Assert.False(denied.Allowed);
        Assert.Equal(new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero) - MidMarch, denied.RetryAfter); // 16.5 days
        Assert.Equal(5, await UsedAsync("202603", "chat", "t:alice"));
    }

    [Fact]
    public async Task Quota_IsPerUserAndDeployment()
    {
        var ledger = NewLedger();
        Assert.True((await ledger.TryConsumeAsync("t:alice", "chat", 1)).Allowed);
        Assert.False((await ledger.TryConsumeAsync("t:alice", "chat", 1)).Allowed);
        Assert.True((await ledger.TryConsumeAsync("t:bob", "chat", 1)).Allowed);
        Assert.True((await ledger.TryConsumeAsync("t:alice", "other", 1)).Allowed);
    }

    [Fact]
    public async Task Lease_TakesABlockFromTheTable_AndSpendsItLocally()
    {
        var ledger = NewLedger();
        Assert.Equal(10, QuotaLedger.BlockFor(500));
        Assert.True((await ledger.TryConsumeAsync("t:alice", "chat", 500)).Allowed);

        Assert.Equal(10, await UsedAsync("202603", "chat", "t:alice"));
        Assert.Equal(9, ledger.Unspent("t:alice", "chat"));
        for (var i = 0; i < 9; i++) Assert.True((await ledger.TryConsumeAsync("t:alice", "chat", 500)).Allowed);
        Assert.Equal(10, await UsedAsync("202603", "chat", "t:alice")); // no table write for those nine
        Assert.True((await ledger.TryConsumeAsync("t:alice", "chat", 500)).Allowed);
        Assert.Equal(20, await UsedAsync("202603", "chat", "t:alice"));
    }

    [Fact]
    public async Task TwoInstances_ConsumingAtOnce_NeverAllowMoreThanTheQuotaInTotal()
    {
        const long Quota = 300; // block 6: both instances lease many times and race for the row
        var ledgers = new[] { NewLedger(), NewLedger() };
        var allowed = 0;
        await Task.WhenAll(ledgers.SelectMany(ledger => Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
        {
            while ((await ledger.TryConsumeAsync("t:alice", "chat", Quota)).Allowed) Interlocked.Increment(ref allowed);
        }))));

        // Every consumer ran until denied, so no lease is left unspent: exactly the quota was allowed.
        Assert.Equal(Quota, allowed);
        Assert.Equal(Quota, await UsedAsync("202603", "chat", "t:alice"));
        Assert.All(ledgers, l => Assert.Equal(0, l.Unspent("t:alice", "chat")));
    }

    [Fact]
    public async Task AnotherInstancesLease_CountsAgainstTheQuota()
    {
        var (first, second) = (NewLedger(), NewLedger());
        Assert.True((await first.TryConsumeAsync("t:alice", "chat", 100)).Allowed); // leases 2 of 100
        await table.UpsertEntityAsync(new TableEntity("202603|chat", "t:alice") { ["Used"] = 100L }); // others used the rest

        Assert.False((await second.TryConsumeAsync("t:alice", "chat", 100)).Allowed);
        Assert.True((await first.TryConsumeAsync("t:alice", "chat", 100)).Allowed); // its own lease still holds one
        Assert.False((await first.TryConsumeAsync("t:alice", "chat", 100)).Allowed);
    }

    [Fact]
    public async Task ReturnLeases_GivesUnspentCallsBack()
    {
        var (stopping, other) = (NewLedger(), NewLedger());
        for (var i = 0; i < 3; i++) Assert.True((await stopping.TryConsumeAsync("t:alice", "chat", 500)).Allowed);
        Assert.True((await other.TryConsumeAsync("t:alice", "chat", 500)).Allowed);
        Assert.Equal(20, await UsedAsync("202603", "chat", "t:alice"));

        await stopping.ReturnLeasesAsync();

        Assert.Equal(13, await UsedAsync("202603", "chat", "t:alice")); // 3 spent + the other instance's 10
        Assert.Equal(0, stopping.Unspent("t:alice", "chat"));
        await stopping.ReturnLeasesAsync(); // nothing left to give: no change
        Assert.Equal(13, await UsedAsync("202603", "chat", "t:alice"));
    }

    [Fact]
    public async Task StoppingTheApp_GivesUnspentLeasesBack()
    {
        var now = DateTimeOffset.UtcNow;
        var partition = QuotaLedger.PartitionKeyFor(now.Year * 100 + now.Month, "chat");
        string prefix;
        await using (var app = await ModelGateFactory.StartAsync())
        {
            prefix = app.TablePrefix;
            var ledger = app.Services.GetRequiredService<QuotaLedger>();
            for (var i = 0; i < 3; i++) Assert.True((await ledger.TryConsumeAsync("t:alice", "chat", 500)).Allowed);
            var leased = await app.Services.GetRequiredService<Tables>().Quotas.GetEntityIfExistsAsync(partition, "t:alice");
            Assert.Equal(10, leased!.GetInt64("Used"));
        }

        var quotas = (await SharedAzurite.CreateServiceClientAsync()).GetTableClient(prefix + Tables.QuotasName);
        var row = await quotas.GetEntityIfExistsAsync(partition, "t:alice");
        Assert.Equal(3, row!.GetInt64("Used"));
    }

    [Fact]
    public async Task ReturnLeases_StoreDown_IsBestEffort()
    {
        var ledger = NewLedger();
        Assert.True((await ledger.TryConsumeAsync("t:alice", "chat", 500)).Allowed);
        await table.DeleteAsync(); // every write now fails
        await ledger.ReturnLeasesAsync();
        await table.CreateIfNotExistsAsync();
    }

    [Fact]
    public async Task NewMonth_StartsAFreshQuota()
    {
        var ledger = NewLedger();
        for (var i = 0; i < 2; i++) Assert.True((await ledger.TryConsumeAsync("t:alice", "chat", 2)).Allowed);
        Assert.False((await ledger.TryConsumeAsync("t:alice", "chat", 2)).Allowed);

        clock.Set(new DateTimeOffset(2026, 3, 31, 23, 59, 59, TimeSpan.Zero));
        var lastSecond = await ledger.TryConsumeAsync("t:alice", "chat", 2);
        Assert.Equal(TimeSpan.FromSeconds(1), lastSecond.RetryAfter);

        clock.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < 2; i++) Assert.True((await ledger.TryConsumeAsync("t:alice", "chat", 2)).Allowed);
        Assert.False((await ledger.TryConsumeAsync("t:alice", "chat", 2)).Allowed);
        Assert.Equal(2, await UsedAsync("202604", "chat", "t:alice"));
        Assert.Equal(2, await UsedAsync("202603", "chat", "t:alice"));
    }

    [Fact]
    public async Task QuotaRaised_AfterItWasUsedUp_AllowsAgainAtOnce()
    {
        var ledger = NewLedger();
        Assert.True((await ledger.TryConsumeAsync("t:alice", "chat", 1)).Allowed);
        Assert.False((await ledger.TryConsumeAsync("t:alice", "chat", 1)).Allowed);
        Assert.True((await ledger.TryConsumeAsync("t:alice", "chat", 2)).Allowed);
    }

    [Fact]
    public async Task Exhausted_IsRememberedBriefly_ThenReadAgain()
    {
        var (ledger, other) = (NewLedger(), NewLedger());
        Assert.True((await ledger.TryConsumeAsync("t:alice", "chat", 100)).Allowed); // leases 2
        Assert.True((await other.TryConsumeAsync("t:alice", "chat", 100)).Allowed);  // leases 2
        await table.UpsertEntityAsync(new TableEntity("202603|chat", "t:alice") { ["Used"] = 100L });
        Assert.True((await ledger.TryConsumeAsync("t:alice", "chat", 100)).Allowed);
        Assert.False((await ledger.TryConsumeAsync("t:alice", "chat", 100)).Allowed);

        await other.ReturnLeasesAsync(); // gives 1 back: Used 99
        Assert.False((await ledger.TryConsumeAsync("t:alice", "chat", 100)).Allowed); // still trusting "used up"
        clock.Advance(TimeSpan.FromSeconds(6));
        Assert.True((await ledger.TryConsumeAsync("t:alice", "chat", 100)).Allowed);
    }

    [Fact]
    public async Task StoreDown_Throws_SoTheCallIsNeverAllowed()
    {
        var options = new TableClientOptions();
        options.Retry.MaxRetries = 0;
        var unreachable = new TableServiceClient(new Uri("http://127.0.0.1:1/devstoreaccount1"),
            new TableSharedKeyCredential("devstoreaccount1", Convert.ToBase64String(new byte[32])), options).GetTableClient("Quotas");
        var ledger = NewLedger(unreachable);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => ledger.TryConsumeAsync("t:alice", "chat", 5).AsTask());
        Assert.True(ModelGate.Problems.ProblemResponses.IsDependencyFailure(error), error.GetType().Name); // answered 503
    }

    [Fact]
    public async Task Consume_FromTheLocalLease_AllocatesNothing()
    {
        var ledger = NewLedger();
        Assert.True((await ledger.TryConsumeAsync("t:alice", "chat", 50_000)).Allowed); // leases 100

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 50; i++)
        {
            var pending = ledger.TryConsumeAsync("t:alice", "chat", 50_000);
            Assert.True(pending.IsCompletedSuccessfully);
            Assert.True((await pending).Allowed);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Block_IsTwoPercentOfTheQuota_Between1And100() =>
        Assert.Equal([1, 1, 2, 100, 100], new long[] { 1, 99, 100, 5_000, 1_000_000 }.Select(QuotaLedger.BlockFor));
}
