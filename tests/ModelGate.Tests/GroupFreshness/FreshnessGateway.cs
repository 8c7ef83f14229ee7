using System.Net;
using Microsoft.Extensions.DependencyInjection;
using ModelGate.DevHost.DemoModel;
using ModelGate.DevHost.Graph;
using ModelGate.ExternalAccess;
using ModelGate.GroupFreshness;
using ModelGate.Tests.Infrastructure;
using ModelGate.Tests.Invoke;

namespace ModelGate.Tests.GroupFreshness;

/// <summary>
/// A gateway with its own Graph fake whose notifications reach the app's webhook in-process (the TestServer
/// handler), a public base URL Graph would accept (https), and its own tables: what every freshness test starts from.
/// </summary>
public sealed class FreshnessGateway : IAsyncDisposable
{
    private FreshnessGateway(GraphFake graph, ModelGateFactory app, DemoModelServer model)
    {
        Graph = graph;
        App = app;
        Model = model;
        Admin = app.ClientFor(TestUser.Admin);
    }

    public GraphFake Graph { get; }
    public ModelGateFactory App { get; }
    public DemoModelServer Model { get; }
    public HttpClient Admin { get; }
    public TenantDirectory Directory => Graph.Directory;
    public GroupRefresher Refresher => App.Services.GetRequiredService<GroupRefresher>();

    public static async Task<FreshnessGateway> StartAsync(int pageSize = 100, TableTraffic? traffic = null,
        Dictionary<string, string?>? overrides = null, LogCapture? logs = null)
    {
        var graph = await GraphFake.StartAsync(new GraphFakeOptions { PageSize = pageSize });
        var model = await DemoModelServer.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Gateway:PublicBaseUrl"] = "https://gateway.test",
            ["GroupFreshness:CoalesceMilliseconds"] = "50",
            ["Invoke:UpstreamTimeoutSeconds"] = "5",
        };
        foreach (var (key, value) in overrides ?? []) settings[key] = value;
        var app = new ModelGateFactory(await SharedAzurite.GetAsync(), await SharedKeyVault.GetAsync(), settings, graph)
        {
            TableTraffic = traffic,
            Logs = logs,
        };
        _ = app.Server;
        graph.UseNotificationTransport(app.Server.CreateHandler());
        return new FreshnessGateway(graph, app, model);
    }

    /// <summary>A deployment on the demo model (in a private model group) granted to <paramref name="groups"/>.</summary>
    public async Task<string> DeploymentGrantedToAsync(params string[] groups)
    {
        var (_, modelId) = await Admin.CreateModelAsync("private");
        var name = CatalogSetup.UniqueDeploymentName("fresh");
        await Admin.CreateDeploymentAsync(name, modelId, "chat", Model.BaseUri.ToString());
        if (groups.Length > 0) await Admin.GrantAsync(name, groups);
        return name;
    }

    /// <summary>Adds the users and groups to the fake's directory, the users as members of the groups.</summary>
    public void AddToDirectory(TestUser user, params string[] groups)
    {
        if (!Directory.ContainsUser(user.ObjectId)) Directory.AddUser(user.ObjectId, user.Name);
        foreach (var group in groups)
        {
            if (!Directory.ContainsGroup(group)) Directory.AddGroup(group, "Group " + group);
            Directory.AddMember(group, user.ObjectId);
        }
    }

    public void AddGroup(string group)
    {
        if (!Directory.ContainsGroup(group)) Directory.AddGroup(group, "Group " + group);
    }

    public async Task SignInAsync(TestUser user) => await App.ClientFor(user).SignInAsync();

    public async Task<SignIn> RecordAsync(TestUser user) =>
        await App.Services.GetRequiredService<SignIns>().GetAsync(user.TenantId, user.ObjectId, CancellationToken.None)
        ?? throw new InvalidOperationException($"{user.ObjectId} has no sign-in record.");

    public async Task<string> KeyForAsync(TestUser user) => await InvokeScenario.CreateKeyAsync(App.ClientFor(user));

    public Task<HttpResponseMessage> CallAsync(string deployment, string key)
    {
        var client = App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("ApiKey", key);
        return client.PostAsync($"/deployments/{deployment}/v1/chat/completions", InvokeScenario.Chat(deployment));
    }

    /// <summary>Runs the timer function as the Functions host does.</summary>
    public async Task RunTimerAsync(string name) =>
        await (await App.CreateClient().PostAsync("/" + name, Http.Json("""{"Data":{"timer":{"IsPastDue":false}},"Metadata":{}}""")))
            .AssertStatusAsync(HttpStatusCode.OK);

    /// <summary>Calls until the answer has <paramref name="status"/>, or fails after <paramref name="within"/>.</summary>
    public async Task<HttpResponseMessage> CallUntilAsync(string deployment, string key, HttpStatusCode status, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var response = await CallAsync(deployment, key);
            if (response.StatusCode == status || DateTime.UtcNow > deadline) return response;
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Graph.DisposeAsync();
        await Model.DisposeAsync();
    }
}
