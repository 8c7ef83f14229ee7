using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ModelGate.DevHost;
using ModelGate.DevHost.Azurite;
using ModelGate.DevHost.Graph;
using ModelGate.DevHost.KeyVault;
using ModelGate.Hosting;
using ModelGate.Identity;

namespace ModelGate.Bench;

/// <summary>
/// The real app as the local run builds it, over Azurite in memory, the Key Vault fake and the Graph fake, with
/// one chat deployment granted to an external group and an API key of a signed-in member, all made through the
/// public API. Target (d) of bench/run.sh serves it; the micro benchmark takes its services.
/// </summary>
internal sealed class BenchGateway : IAsyncDisposable
{
    public const string Deployment = "bench-chat";
    public const string ExternalGroup = "bench-external-users";
    private const string InvokePath = "/deployments/" + Deployment + "/v1/chat/completions";

    // The API's highest limit: high enough that a run never hits it, and every call still passes the limiter.
    private const int RequestsPerMinute = 1_000_000;

    private readonly List<IAsyncDisposable> parts;

    private BenchGateway(WebApplication app, List<IAsyncDisposable> parts, Uri baseUri, string apiKey)
    {
        App = app;
        this.parts = parts;
        BaseUri = baseUri;
        ApiKey = apiKey;
    }

    public WebApplication App { get; }

    public IServiceProvider Services => App.Services;

    public Uri BaseUri { get; }

    /// <summary>The path a model call takes: path routing, so no body is parsed to find the deployment.</summary>
    public string Path => InvokePath;

    /// <summary>A key of a signed-in external user in <see cref="ExternalGroup"/>, scoped to <see cref="Deployment"/>.</summary>
    public string ApiKey { get; }

    /// <param name="port">Loopback port for the app; 0 picks one.</param>
    /// <param name="upstream">The deployment's upstream (the stub).</param>
    /// <param name="settings">Configuration on top of the local run's (the micro benchmark lengthens the caches).</param>
    public static async Task<BenchGateway> StartAsync(int port, Uri upstream, IReadOnlyDictionary<string, string?>? settings = null,
        CancellationToken cancellationToken = default)
    {
        var parts = new List<IAsyncDisposable>();
        try
        {
            var azurite = await AzuriteProcess.StartAsync(new AzuriteOptions(), cancellationToken);
            parts.Add(azurite);
            var keyVault = await KeyVaultFake.StartAsync(new KeyVaultFakeOptions(), cancellationToken);
            parts.Add(keyVault);
            var graph = await GraphFake.StartAsync(new GraphFakeOptions(), cancellationToken);
            parts.Add(graph);

            var builder = WebApplication.CreateBuilder(new WebApplicationOptions
            {
                ApplicationName = typeof(ModelGateApp).Assembly.GetName().Name,
                // Not Development, as the local run is: that adds the developer exception page to every request,
                // which a deployed app does not have. The app itself never reads the environment name.
                EnvironmentName = "Production",
            });
            // Information logging off (LocalSettings keeps warnings only), as a measured run should be.
            var configuration = LocalSettings.For(azurite, keyVault, graph, "http://127.0.0.1");
            foreach (var (name, value) in settings ?? new Dictionary<string, string?>()) configuration[name] = value;
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
            builder.AddModelGate();
            var app = builder.Build();
            parts.Insert(0, app);
            app.MapModelGate();
            await app.StartAsync(cancellationToken);

            var baseUri = Serving.AddressOf(app);
            var key = await SeedAsync(baseUri, app.Services.GetRequiredService<DevelopmentIssuer>(), upstream, cancellationToken);
            return new BenchGateway(app, parts, baseUri, key);
        }
        catch
        {
            foreach (var part in parts) await part.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the app first (it flushes usage to Azurite on the way out), then the fakes and Azurite.</summary>
    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        foreach (var part in parts) await part.DisposeAsync();
    }

    private static async Task<string> SeedAsync(Uri gateway, DevelopmentIssuer issuer, Uri upstream, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = gateway };
        var tenant = DevelopmentIssuer.DefaultTenantId;
        var admin = issuer.CreateToken(tenant, "bench-admin", "Bench Admin", [], [Roles.Admin], TimeSpan.FromMinutes(5));
        var member = issuer.CreateToken(tenant, "bench-user", "Bench User", [ExternalGroup], [], TimeSpan.FromMinutes(5));

        var group = await SendAsync(http, admin, HttpMethod.Post, "/api/model-groups",
            new { name = "bench-models", description = "Benchmark models", access_mode = "public" }, cancellationToken);
        var model = await SendAsync(http, admin, HttpMethod.Post, $"/api/model-groups/{(string)group!["model_group_id"]!}/models",
            new { name = "bench-chat-model" }, cancellationToken);
        await SendAsync(http, admin, HttpMethod.Post, "/api/deployments", new
        {
            name = Deployment, model_id = (string)model!["model_id"]!, kind = "chat", upstream_url = upstream.AbsoluteUri,
            description = "Benchmark chat model", price_per_call = 0.001m, requests_per_minute = RequestsPerMinute,
        }, cancellationToken);
        await SendAsync(http, admin, HttpMethod.Patch, $"/api/deployments/{Deployment}/external-access", new { add = new[] { ExternalGroup } }, cancellationToken);

        await SendAsync(http, member, HttpMethod.Post, "/api/me/login", null, cancellationToken);
        var created = await SendAsync(http, member, HttpMethod.Post, "/api/me/api-keys",
            new { name = "bench", deployments = new[] { Deployment } }, cancellationToken);
        return (string)created!["key"]!;
    }

    private static async Task<JsonNode?> SendAsync(HttpClient http, string token, HttpMethod method, string path, object? body,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"Seeding the benchmark failed: {method} {path} answered {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? null : JsonNode.Parse(text);
    }
}
