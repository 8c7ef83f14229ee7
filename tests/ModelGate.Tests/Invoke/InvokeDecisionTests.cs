using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelGate.DevHost.DemoModel;
using ModelGate.DevHost.KeyVault;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.Invoke;

/// <summary>Decisions that need the clock, the settings, limits or a dependency failing; each test owns its gateway.</summary>
public sealed class InvokeDecisionTests : IAsyncLifetime
{
    private readonly ManualClock clock = new();
    private DemoModelServer model = null!;
    private KeyVaultFake vault = null!;
    private ModelGateFactory app = null!;
    private HttpClient admin = null!;
    private readonly TestUser user = new("ext-" + Guid.NewGuid().ToString("N")[..8], "Erin External", [], ["LAB1"]);

    public async Task InitializeAsync()
    {
        model = await DemoModelServer.StartAsync();
        vault = await KeyVaultFake.StartAsync(new KeyVaultFakeOptions());
        app = Gateway(ModelGateFactory.NewTablePrefix(), cacheSeconds: "0");
        admin = app.ClientFor(TestUser.Admin);
    }

    public async Task DisposeAsync()
    {
        await app.DisposeAsync();
        await vault.DisposeAsync();
        await model.DisposeAsync();
    }

    private ModelGateFactory Gateway(string tablePrefix, string cacheSeconds, TableTraffic? traffic = null) =>
        new(SharedAzurite.GetAsync().GetAwaiter().GetResult(), vault, new Dictionary<string, string?>
        {
            ["Invoke:CacheSeconds"] = cacheSeconds,
            ["Invoke:UpstreamTimeoutSeconds"] = "5",
        })
        {
            TablePrefix = tablePrefix,
            TableTraffic = traffic,
            ConfigureServices = services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock)),
        };

    /// <summary>A deployment granted to LAB1, the user signed in, and a key of theirs.</summary>
    private async Task<(string Deployment, string Key)> ReadyAsync(object? deploymentExtras = null, int loginWindowHours = 24)
    {
        await (await admin.PutAsync("/api/settings", Http.Json($"{{\"model_access_control_enabled\":true,\"require_external_user_login_after_hours\":{loginWindowHours}}}")))
            .AssertStatusAsync(HttpStatusCode.OK);
        var (_, modelId) = await admin.CreateModelAsync("private");
        var name = CatalogSetup.UniqueDeploymentName();
        await admin.CreateDeploymentAsync(name, modelId, "chat", model.BaseUri.ToString());
        if (deploymentExtras is not null)
            await (await admin.PatchJsonAsync($"/api/deployments/{name}", deploymentExtras)).AssertStatusAsync(HttpStatusCode.OK);
        await admin.GrantAsync(name, "LAB1");
        var client = app.ClientFor(user);
        await client.SignInAsync();
        return (name, await InvokeScenario.CreateKeyAsync(client));
    }

    private Task<HttpResponseMessage> CallAsync(ModelGateFactory gateway, string deployment, string key)
    {
        var client = gateway.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("ApiKey", key);
        return client.PostAsync($"/deployments/{deployment}/v1/chat/completions", InvokeScenario.Chat(deployment));
    }

    [Fact]
    public async Task LastSignInOlderThanTheWindow_Is403LoginRequired_UntilTheUserSignsInAgain()
    {
        var (deployment, key) = await ReadyAsync();
        await (await CallAsync(app, deployment, key)).AssertStatusAsync(HttpStatusCode.OK);

        clock.Advance(TimeSpan.FromHours(25));
        await (await CallAsync(app, deployment, key)).AssertProblemAsync(HttpStatusCode.Forbidden, "login_required");
        await app.ClientFor(user).SignInAsync();
        await (await CallAsync(app, deployment, key)).AssertStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task WindowMinusOne_NeverAsksForSignInAgain()
    {
        var (deployment, key) = await ReadyAsync(loginWindowHours: -1);
        clock.Advance(TimeSpan.FromDays(60));
        await (await CallAsync(app, deployment, key)).AssertStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task ExternalAccessSwitchedOff_Is403ExternalAccessDisabled()
    {
        var (deployment, key) = await ReadyAsync();
        await (await admin.PutAsync("/api/settings", Http.Json("{\"model_access_control_enabled\":true,\"require_external_user_login_after_hours\":0}")))
            .AssertStatusAsync(HttpStatusCode.OK);
        await (await CallAsync(app, deployment, key)).AssertProblemAsync(HttpStatusCode.Forbidden, "external_access_disabled");
    }

    [Fact]
    public async Task GrantRemoved_TakesEffectOnTheNextCall()
    {
        var (deployment, key) = await ReadyAsync();
        await (await CallAsync(app, deployment, key)).AssertStatusAsync(HttpStatusCode.OK);
        await (await admin.PatchJsonAsync($"/api/deployments/{deployment}/external-access", new { remove = new[] { "LAB1" } })).AssertStatusAsync(HttpStatusCode.OK);
        await (await CallAsync(app, deployment, key)).AssertProblemAsync(HttpStatusCode.Forbidden, "deployment_forbidden");
    }

    [Fact]
    public async Task RequestsPerMinute_Is429WithRetryAfter()
    {
        var (deployment, key) = await ReadyAsync(new { requests_per_minute = 2 });
        await (await CallAsync(app, deployment, key)).AssertStatusAsync(HttpStatusCode.OK);
        await (await CallAsync(app, deployment, key)).AssertStatusAsync(HttpStatusCode.OK);
        var limited = await CallAsync(app, deployment, key);
        await limited.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.InRange(limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 30);
    }

    [Fact]
    public async Task MonthlyQuota_Is429QuotaExhausted_UntilTheMonthTurns()
    {
        var (deployment, key) = await ReadyAsync(new { monthly_call_quota_per_user = 3 });
        for (var i = 0; i < 3; i++) await (await CallAsync(app, deployment, key)).AssertStatusAsync(HttpStatusCode.OK);
        var limited = await CallAsync(app, deployment, key);
        await limited.AssertProblemAsync(HttpStatusCode.TooManyRequests, "quota_exhausted");
        Assert.True(limited.Headers.RetryAfter!.Delta!.Value > TimeSpan.Zero);
    }

    [Fact]
    public async Task UpstreamHeaderCredential_ComesFromKeyVault_AndReplacesTheCallersKey()
    {
        await vault.CreateClient(new FixedToken()).SetSecretAsync("upstream-api-key", "upstream-s3cret");
        var (deployment, key) = await ReadyAsync(new { upstream_auth = new { type = "header", header_name = "api-key", secret_name = "upstream-api-key" } });
        await (await CallAsync(app, deployment, key)).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("upstream-s3cret", model.LastRequestHeaders["api-key"]);
        Assert.False(model.LastRequestHeaders.ContainsKey("Authorization"));
    }

    [Fact]
    public async Task UpstreamManagedIdentity_SendsATokenForTheScope()
    {
        var (deployment, key) = await ReadyAsync(new { upstream_auth = new { type = "managed_identity", scope = "https://cognitiveservices.azure.com/.default" } });
        await (await CallAsync(app, deployment, key)).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("Bearer modelgate-development-token", model.LastRequestHeaders["Authorization"]);
    }

    [Fact]
    public async Task KeyVaultDown_WithNothingCached_Is503AndNothingIsForwarded()
    {
        var (deployment, key) = await ReadyAsync();
        await using var cold = Gateway(app.TablePrefix, cacheSeconds: "0");
        vault.Faults.Unavailable = true;
        try
        {
            model.ResetLastRequest();
            await (await CallAsync(cold, deployment, key)).AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "dependency_unavailable");
            Assert.Null(model.LastRequestPath);
        }
        finally
        {
            vault.Faults.Reset();
        }
    }

    [Fact]
    public async Task TableStorageDown_WithNothingCached_Is503AndNothingIsForwarded()
    {
        var (deployment, key) = await ReadyAsync();
        var traffic = new TableTraffic();
        await using var cold = Gateway(app.TablePrefix, cacheSeconds: "0", traffic);
        _ = cold.Server;
        traffic.FailWhen = _ => true;
        model.ResetLastRequest();
        await (await CallAsync(cold, deployment, key)).AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "dependency_unavailable");
        Assert.Null(model.LastRequestPath);
    }

    private sealed class FixedToken : Azure.Core.TokenCredential
    {
        private static readonly Azure.Core.AccessToken Token = new("test", DateTimeOffset.MaxValue);
        public override Azure.Core.AccessToken GetToken(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken) => Token;
        public override ValueTask<Azure.Core.AccessToken> GetTokenAsync(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken) => new(Token);
    }
}
