using System.Net.Http.Headers;
using Azure.Core;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelGate.DevHost.Azurite;
using ModelGate.DevHost.Graph;
using ModelGate.DevHost.KeyVault;
using ModelGate.Hosting;
using ModelGate.Identity;
using ModelGate.Storage;

namespace ModelGate.Tests.Infrastructure;

/// <summary>
/// The real app over real Azurite, the Key Vault fake and a Graph fake, with the development issuer on. Each
/// factory gets its own table prefix, so test classes never see each other's rows.
/// </summary>
public sealed class ModelGateFactory(
    AzuriteProcess azurite, KeyVaultFake keyVault, IDictionary<string, string?>? overrides = null, GraphFake? graph = null)
    : WebApplicationFactory<Program>
{
    /// <summary>Set the same prefix on two factories to run two instances of the app over one set of tables.</summary>
    public string TablePrefix { get; init; } = NewTablePrefix();

    /// <summary>When set, every log entry of the app at Debug and above is kept here.</summary>
    public LogCapture? Logs { get; init; }

    /// <summary>When set, every Table Storage request of the app passes through it (counted, and failed on demand).</summary>
    public TableTraffic? TableTraffic { get; init; }

    /// <summary>Runs after the app's own registrations, so it can replace services (a clock, for instance).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    public static string NewTablePrefix() => "t" + Guid.NewGuid().ToString("N")[..12];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage:TableServiceUri"] = azurite.TableServiceUri.ToString(),
            ["Storage:AccountName"] = AzuriteProcess.AccountName,
            ["Storage:AccountKey"] = AzuriteProcess.AccountKey,
            ["Storage:TablePrefix"] = TablePrefix,
            ["Storage:CreateTables"] = "true",
            ["KeyVault:VaultUri"] = keyVault.VaultUri.ToString(),
            ["KeyVault:DevelopmentCertificateSha256"] = keyVault.CertificateSha256,
            ["Azure:UseDevelopmentCredential"] = "true",
            ["Identity:DevelopmentIssuer:Enabled"] = "true",
            ["Gateway:HostSuffix"] = "models.test",
            ["Gateway:PublicBaseUrl"] = "http://gateway.test",
        };
        if (graph is not null) settings["Graph:BaseUrl"] = graph.BaseUrl;
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) settings[key] = value;
        // UseSetting lands in host configuration, which the app reads before its own sources.
        foreach (var (key, value) in settings) builder.UseSetting(key, value);

        if (Logs is { } logs)
            builder.ConfigureLogging(logging => logging.AddProvider(logs).AddFilter<LogCapture>(null, LogLevel.Debug));
        builder.ConfigureTestServices(services =>
        {
            if (TableTraffic is { } traffic)
            {
                var options = DependencyRetries.Apply(new TableClientOptions());
                options.AddPolicy(traffic, HttpPipelinePosition.PerCall);
                services.AddSingleton(new TableServiceClient(azurite.TableServiceUri,
                    new TableSharedKeyCredential(AzuriteProcess.AccountName, AzuriteProcess.AccountKey), options));
            }
            ConfigureServices?.Invoke(services);
        });
    }

    public string TokenFor(TestUser user, TimeSpan? lifetime = null) =>
        Services.GetRequiredService<DevelopmentIssuer>().CreateToken(user.TenantId, user.ObjectId, user.Name, user.Groups, user.Roles,
            lifetime ?? TimeSpan.FromHours(1), user.GroupsOverage);

    /// <summary>A client that signs every request in as <paramref name="user"/>.</summary>
    public HttpClient ClientFor(TestUser user)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenFor(user));
        return client;
    }

    /// <summary>Starts the app; Graph calls go to <paramref name="graph"/>, or to the shared Graph fake.</summary>
    public static async Task<ModelGateFactory> StartAsync(IDictionary<string, string?>? overrides = null, GraphFake? graph = null,
        string? tablePrefix = null)
    {
        var factory = new ModelGateFactory(await SharedAzurite.GetAsync(), await SharedKeyVault.GetAsync(), overrides,
            graph ?? await SharedGraph.GetAsync()) { TablePrefix = tablePrefix ?? NewTablePrefix() };
        _ = factory.Server; // start now, so table creation is not billed to the first test
        return factory;
    }
}

/// <summary>A per-class app instance for xunit's IClassFixture.</summary>
public sealed class AppFixture : IAsyncLifetime
{
    public ModelGateFactory App { get; private set; } = null!;

    public async Task InitializeAsync() => App = await ModelGateFactory.StartAsync();

    public async Task DisposeAsync() => await App.DisposeAsync();
}
