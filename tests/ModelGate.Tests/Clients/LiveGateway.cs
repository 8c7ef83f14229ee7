using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using ModelGate.DevHost.Azurite;
using ModelGate.DevHost.DemoModel;
using ModelGate.DevHost.NodeTools;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.Clients;

/// <summary>
/// The whole app listening on a real loopback port (Kestrel, not the in-memory test server), so that programs
/// outside this process (node, curl) can call it. One chat deployment on the demo model is granted to LAB1; an
/// external user in LAB1 has signed in. Its cards point at this gateway, so their snippets run as printed.
/// </summary>
public sealed class LiveGateway : IAsyncLifetime
{
    private const int StartAttempts = 3;

    public ModelGateFactory App { get; private set; } = null!;
    public DemoModelServer Model { get; private set; } = null!;

    /// <summary>http://127.0.0.1:PORT, without a trailing slash.</summary>
    public string BaseUrl { get; private set; } = "";

    public TestUser User { get; } = new("ext-" + Guid.NewGuid().ToString("N")[..8], "Cleo Client", [], ["LAB1"]);
    public HttpClient UserClient { get; private set; } = null!;
    public string Deployment { get; } = CatalogSetup.UniqueDeploymentName("live");

    public async Task InitializeAsync()
    {
        // The clients are node packages from the repository's lock; install them now, not inside a test's time bound.
        await NodePackages.EnsureInstalledAsync(RepoPaths.Root);
        Model = await DemoModelServer.StartAsync();
        (App, BaseUrl) = await StartOnLoopbackAsync();
        UserClient = App.ClientFor(User);

        var admin = App.ClientFor(TestUser.Admin);
        var (_, modelId) = await admin.CreateModelAsync("private");
        await admin.CreateDeploymentAsync(Deployment, modelId, "chat", Model.BaseUri.ToString());
        await admin.GrantAsync(Deployment, "LAB1");
        await UserClient.SignInAsync();
    }

    /// <summary>A fresh key for one test, so each test can read back exactly its own usage.</summary>
    public async Task<(string Id, string Key)> CreateKeyAsync(string name)
    {
        var created = await (await UserClient.PostJsonAsync("/api/me/api-keys", new { name })).AssertStatusAsync(HttpStatusCode.Created);
        return ((string)created["id"]!, (string)created["key"]!);
    }

    /// <summary>
    /// The user's usage row for one key, once it shows <paramref name="calls"/> calls. The gateway meters a call
    /// just after the last byte reaches the client, so a client can exit a moment before its call is counted.
    /// </summary>
    public async Task<JsonNode> UsageOfKeyAsync(string keyId, int calls)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            var usage = await (await UserClient.GetAsync("/api/me/usage")).AssertStatusAsync(HttpStatusCode.OK);
            var item = usage["items"]!.AsArray().SingleOrDefault(i => (string?)i!["key_id"] == keyId);
            if ((item is not null && (long)item["calls"]! >= calls) || DateTime.UtcNow > deadline)
                return item ?? throw new Xunit.Sdk.XunitException($"No usage for key {keyId}: {usage.ToJsonString()}");
            await Task.Delay(50);
        }
    }

    // Cards print Gateway:PublicBaseUrl, which is read once at start, so the port is chosen before the app starts.
    // Someone else may take that port in between; then try another.
    private static async Task<(ModelGateFactory App, string BaseUrl)> StartOnLoopbackAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = ModelGate.DevHost.LoopbackPorts.PickFree();
            var baseUrl = $"http://127.0.0.1:{port}";
            var factory = new ModelGateFactory(await SharedAzurite.GetAsync(), await SharedKeyVault.GetAsync(),
                new Dictionary<string, string?> { ["Gateway:PublicBaseUrl"] = baseUrl }, await SharedGraph.GetAsync());
            factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
            try
            {
                factory.StartServer();
                return (factory, baseUrl);
            }
            catch (IOException) when (attempt < StartAttempts)
            {
                await factory.DisposeAsync();
            }
        }
    }


    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Model.DisposeAsync();
    }
}
