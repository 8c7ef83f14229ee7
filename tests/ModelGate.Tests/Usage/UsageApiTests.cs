using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ModelGate.Storage;
using ModelGate.Tests.Infrastructure;
using ModelGate.Usage;

namespace ModelGate.Tests.Usage;

public sealed class UsageApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly ModelGateFactory app = fixture.App;
    private readonly HttpClient admin = fixture.App.ClientFor(TestUser.Admin);
    private UsageMeter Meter => app.Services.GetRequiredService<UsageMeter>();

    private static TestUser NewExternal() => new("ext-" + Guid.NewGuid().ToString("N")[..12], "Eve External", [], ["team-a"]);

    private static CallRecord Call(string deployment, string key, string user, int status = 200, decimal price = 0.0025m,
        long promptTokens = 0, long completionTokens = 0) =>
        new(deployment, key, user, status, status >= 400, 50, 10, 100, promptTokens, completionTokens, price);

    private static string Key() => "k" + Guid.NewGuid().ToString("N")[..12];

    private static string Today => DateTime.UtcNow.ToString("yyyy-MM-dd");

    [Fact]
    public async Task MeUsage_ShowsOnlyTheCallersOwnCalls_IncludingOnesNotYetFlushed()
    {
        var eve = NewExternal();
        var other = NewExternal();
        var deployment = CatalogSetup.UniqueDeploymentName();
        var eveKey = Key();
        Meter.Record(Call(deployment, eveKey, eve.Id, promptTokens: 12, completionTokens: 30));
        Meter.Record(Call(deployment, eveKey, eve.Id, status: 503));
        Meter.Record(Call(deployment, Key(), other.Id));

        var body = await (await app.ClientFor(eve).GetAsync("/api/me/usage")).AssertStatusAsync(HttpStatusCode.OK);

        var item = Assert.Single(body["items"]!.AsArray())!;
        Assert.Equal(Today, (string?)item["day"]);
        Assert.Equal(deployment, (string?)item["deployment"]);
        Assert.Equal(eveKey, (string?)item["key_id"]);
        Assert.Equal(eve.Id, (string?)item["user_id"]);
        Assert.Equal(2, (long)item["calls"]!);
        Assert.Equal(1, (long)item["errors"]!);
        Assert.Equal(12, (long)item["prompt_tokens"]!);
        Assert.Equal(30, (long)item["completion_tokens"]!);
        Assert.Equal(20, (long)item["bytes_in"]!);
        Assert.Equal(200, (long)item["bytes_out"]!);
        Assert.Equal(50.0, (double)item["avg_latency_ms"]!);
        Assert.Equal(0.005m, (decimal)item["cost"]!);
        Assert.Equal(2, (long)body["totals"]!["calls"]!);
        Assert.Null(body["continuation"]);
    }

    [Fact]
    public async Task MeUsage_NoCalls_IsEmptyWithZeroTotals()
    {
        var body = await (await app.ClientFor(NewExternal()).GetAsync("/api/me/usage")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Empty(body["items"]!.AsArray());
        Assert.Equal(0, (long)body["totals"]!["calls"]!);
        Assert.Equal(0m, (decimal)body["totals"]!["cost"]!);
    }

    [Fact]
    public async Task Usage_AsNonAdmin_IsAdminOnly()
    {
        await (await app.ClientFor(TestUser.Owner()).GetAsync("/api/usage")).AssertProblemAsync(HttpStatusCode.Forbidden, "admin_only");
        await (await app.ClientFor(NewExternal()).GetAsync("/api/usage")).AssertProblemAsync(HttpStatusCode.Forbidden, "admin_only");
    }

    [Fact]
    public async Task Usage_WithoutToken_IsUnauthenticated()
    {
        await (await app.CreateClient().GetAsync("/api/me/usage")).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        await (await app.CreateClient().GetAsync("/api/usage")).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task Usage_AsAdmin_FiltersByDeploymentAndByUser()
    {
        var (alice, bob) = (NewExternal(), NewExternal());
        var (chat, predict) = (CatalogSetup.UniqueDeploymentName("chat"), CatalogSetup.UniqueDeploymentName("pred"));
        var (aliceKey, bobKey) = (Key(), Key());
        Meter.Record(Call(chat, aliceKey, alice.Id));
        Meter.Record(Call(chat, bobKey, bob.Id));
        Meter.Record(Call(chat, bobKey, bob.Id));
        Meter.Record(Call(predict, aliceKey, alice.Id));

        var byDeployment = await (await admin.GetAsync($"/api/usage?deployment={chat}")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(3, (long)byDeployment["totals"]!["calls"]!);
        Assert.Equal(new[] { aliceKey, bobKey }.Order(StringComparer.Ordinal), byDeployment["items"]!.AsArray().Select(i => (string)i!["key_id"]!).Order(StringComparer.Ordinal));

        var byUser = await (await admin.GetAsync($"/api/usage?user={Uri.EscapeDataString(alice.Id)}")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal([chat, predict], byUser["items"]!.AsArray().Select(i => (string)i!["deployment"]!).Order());

        var both = await (await admin.GetAsync($"/api/usage?deployment={chat}&user={Uri.EscapeDataString(bob.Id)}&from={Today}&to={Today}"))
            .AssertStatusAsync(HttpStatusCode.OK);
        var item = Assert.Single(both["items"]!.AsArray())!;
        Assert.Equal(2, (long)item["calls"]!);
    }

    [Fact]
    public async Task Usage_RowsOfSeveralInstances_AreSummedPerDayAndKey()
    {
        var usage = app.Services.GetRequiredService<Tables>().Usage;
        var first = new UsageMeter(usage, "other1", TimeProvider.System);
        var second = new UsageMeter(usage, "other2", TimeProvider.System);
        var (deployment, key, user) = (CatalogSetup.UniqueDeploymentName(), Key(), NewExternal().Id);
        for (var i = 0; i < 3; i++) first.Record(Call(deployment, key, user, price: 0.0025m, promptTokens: 1));
        for (var i = 0; i < 4; i++) second.Record(Call(deployment, key, user, price: 0.0025m, promptTokens: 1));
        second.Record(Call(deployment, key, user, status: 429, price: 0.0025m));
        Meter.Record(Call(deployment, key, user, price: 0.0025m)); // this instance, not flushed
        await first.FlushAsync();
        await second.FlushAsync();
        await second.FlushAsync(includeUnchanged: true, CancellationToken.None);

        var body = await (await admin.GetAsync($"/api/usage?deployment={deployment}")).AssertStatusAsync(HttpStatusCode.OK);

        var item = Assert.Single(body["items"]!.AsArray())!;
        Assert.Equal(9, (long)item["calls"]!);
        Assert.Equal(1, (long)item["errors"]!);
        Assert.Equal(7, (long)item["prompt_tokens"]!);
        Assert.Equal(0.0225m, (decimal)item["cost"]!);
        Assert.Equal(new JsonObject { ["calls"] = 9, ["errors"] = 1, ["prompt_tokens"] = 7, ["completion_tokens"] = 0, ["cost"] = 0.0225m }.ToJsonString(),
            body["totals"]!.ToJsonString());
    }

    [Fact]
    public async Task Usage_CostUsesThePriceAtCallTime()
    {
        var (deployment, key, user) = (CatalogSetup.UniqueDeploymentName(), Key(), NewExternal().Id);
        Meter.Record(Call(deployment, key, user, price: 0.0025m));
        Meter.Record(Call(deployment, key, user, price: 0.0025m));
        Meter.Record(Call(deployment, key, user, price: 1.000001m)); // the price changed between calls

        var body = await (await admin.GetAsync($"/api/usage?deployment={deployment}")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(1.005001m, (decimal)body["totals"]!["cost"]!);
    }

    [Fact]
    public async Task Usage_DateRange_SelectsDays()
    {
        var usage = app.Services.GetRequiredService<Tables>().Usage;
        var clock = new ManualClock(new DateTimeOffset(2025, 1, 10, 23, 59, 0, TimeSpan.Zero));
        var old = new UsageMeter(usage, "old1", clock);
        var (deployment, key, user) = (CatalogSetup.UniqueDeploymentName(), Key(), NewExternal().Id);
        old.Record(Call(deployment, key, user));
        clock.Advance(TimeSpan.FromMinutes(2)); // past midnight: the next day
        old.Record(Call(deployment, key, user));
        old.Record(Call(deployment, key, user));
        await old.FlushAsync();

        var recent = await (await admin.GetAsync($"/api/usage?deployment={deployment}")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Empty(recent["items"]!.AsArray()); // the default is the last 30 days

        var both = await (await admin.GetAsync($"/api/usage?deployment={deployment}&from=2025-01-10&to=2025-01-11")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(["2025-01-10", "2025-01-11"], both["items"]!.AsArray().Select(i => (string)i!["day"]!));
        Assert.Equal([1L, 2L], both["items"]!.AsArray().Select(i => (long)i!["calls"]!));

        var second = await (await admin.GetAsync($"/api/usage?deployment={deployment}&from=2025-01-11&to=2025-01-11")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(2, (long)second["totals"]!["calls"]!);
    }

    [Theory]
    [InlineData("from=2026-13-01", "from")]
    [InlineData("from=2026-1-5", "from")]
    [InlineData("to=yesterday", "to")]
    [InlineData("from=1999-12-31&to=2000-01-01", "from")]
    [InlineData("from=2026-03-02&to=2026-03-01", "from")]
    [InlineData("from=2025-01-01&to=2026-01-02", "to")] // 367 days
    [InlineData("deployment=Not_A_Label", "deployment")]
    [InlineData("user=no-colon", "user")]
    public async Task Usage_BadQuery_IsValidationFailed(string query, string field)
    {
        var problem = await (await admin.GetAsync("/api/usage?" + query)).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotNull(problem["errors"]![field]);
    }

    [Fact]
    public async Task MeUsage_BadRange_IsValidationFailed()
    {
        var problem = await (await app.ClientFor(NewExternal()).GetAsync("/api/me/usage?from=2026-05-01&to=2026-04-01"))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotNull(problem["errors"]!["from"]);
    }

    [Fact]
    public async Task Usage_RangeOf366Days_IsAllowed()
    {
        await (await admin.GetAsync("/api/usage?from=2024-01-01&to=2024-12-31")).AssertStatusAsync(HttpStatusCode.OK); // leap year: 366 days
    }

    [Fact]
    public void Summarize_SumsInstancesAndAveragesLatencyOverAllCalls()
    {
        var day = new DateOnly(2026, 3, 1);
        var response = UsageApi.Summarize(
        [
            new UsageRow(day, "chat", "k1", "t:u", "i1", 1, 0, 0, 0, 0, 0, 100, 2_500),
            new UsageRow(day, "chat", "k1", "t:u", "i2", 3, 1, 0, 0, 0, 0, 20, 7_500),
        ]);
        var item = Assert.Single(response.Items);
        Assert.Equal(4, item.Calls);
        Assert.Equal(30.0, item.AvgLatencyMs);
        Assert.Equal(0.01m, item.Cost);
    }
}
