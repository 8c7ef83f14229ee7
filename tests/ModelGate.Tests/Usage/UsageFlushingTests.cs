using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelGate.Storage;
using ModelGate.Tests.Infrastructure;
using ModelGate.Usage;

namespace ModelGate.Tests.Usage;

/// <summary>The app writes usage on its own: on a timer, and on a graceful stop.</summary>
public sealed class UsageFlushingTests
{
    private static CallRecord Call(string deployment, string key, string user) =>
        new(deployment, key, user, 200, false, 20, 10, 100, 1, 2, 0.0025m);

    [Fact]
    public async Task StoppingTheApp_WritesEveryCountedCall_ForTheNextAppToReport()
    {
        var deployment = CatalogSetup.UniqueDeploymentName();
        string prefix;
        const int Calls = 230;
        // A flush interval far beyond the test: only the stop can write these calls.
        await using (var first = await ModelGateFactory.StartAsync(new Dictionary<string, string?> { ["Usage:FlushSeconds"] = "3600" }))
        {
            prefix = first.TablePrefix;
            var meter = first.Services.GetRequiredService<UsageMeter>();
            for (var i = 0; i < Calls; i++) meter.Record(Call(deployment, "key" + (i % 120), "tenant:user" + (i % 3)));
            Assert.Equal(120, meter.PendingRows);
        }

        await using var second = await ModelGateFactory.StartAsync(tablePrefix: prefix);
        var body = await (await second.ClientFor(TestUser.Admin).GetAsync($"/api/usage?deployment={deployment}")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(Calls, (long)body["totals"]!["calls"]!);
        Assert.Equal(Calls * 0.0025m, (decimal)body["totals"]!["cost"]!);
        Assert.Equal(120, body["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task RunningApp_FlushesOnTheInterval()
    {
        await using var app = await ModelGateFactory.StartAsync(new Dictionary<string, string?> { ["Usage:FlushSeconds"] = "1" });
        var meter = app.Services.GetRequiredService<UsageMeter>();
        var usage = app.Services.GetRequiredService<Tables>().Usage;
        var deployment = CatalogSetup.UniqueDeploymentName();
        meter.Record(Call(deployment, "key1", "tenant:user"));

        var partition = UsageRow.PartitionKeyFor(DateOnly.FromDateTime(DateTime.UtcNow), deployment);
        TableEntity? row = null;
        for (var waited = 0; row is null && waited < 50; waited++)
        {
            await Task.Delay(100);
            row = await usage.GetEntityIfExistsAsync(partition, "key1|" + meter.InstanceId);
        }
        Assert.NotNull(row);
        Assert.Equal(1, row.GetInt64("Calls"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("3601")]
    [InlineData("soon")]
    public void FlushInterval_OutOfRange_IsRefusedNamingTheSetting(string seconds)
    {
        // The registration itself, without hosting the app: a failed start inside WebApplicationFactory can
        // surface as ObjectDisposedException instead of the validation error.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Usage:FlushSeconds"] = seconds }).Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddUsage().BuildServiceProvider();
        var error = Assert.ThrowsAny<Exception>(() => services.GetRequiredService<IOptions<UsageOptions>>().Value);
        Assert.Contains("FlushSeconds", error.Message);
    }

    [Fact]
    public void FlushInterval_Default_IsTenSeconds()
    {
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(new ConfigurationBuilder().Build()).AddUsage().BuildServiceProvider();
        Assert.Equal(10, services.GetRequiredService<IOptions<UsageOptions>>().Value.FlushSeconds);
    }
}
