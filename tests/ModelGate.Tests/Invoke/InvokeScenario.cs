using System.Net;
using System.Net.Http.Headers;
using ModelGate.DevHost.DemoModel;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.Invoke;

/// <summary>
/// A gateway with one chat deployment on the demo model, granted to LAB1, and an external user in LAB1
/// who signed in and holds a key: the starting point of every proxy test.
/// </summary>
public sealed class InvokeScenario : IAsyncLifetime
{
    public ModelGateFactory App { get; private set; } = null!;
    public DemoModelServer Model { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;
    public TestUser User { get; } = new("ext-" + Guid.NewGuid().ToString("N")[..8], "Erin External", [], ["LAB1"]);
    public HttpClient UserClient { get; private set; } = null!;
    public string Deployment { get; } = CatalogSetup.UniqueDeploymentName("chat");
    public string Key { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Model = await DemoModelServer.StartAsync();
        App = await ModelGateFactory.StartAsync(Overrides());
        Admin = App.ClientFor(TestUser.Admin);
        await (await Admin.PutAsync("/api/settings", Http.Json("{\"model_access_control_enabled\":true,\"require_external_user_login_after_hours\":24}")))
            .AssertStatusAsync(HttpStatusCode.OK);
        var (_, modelId) = await Admin.CreateModelAsync("private");
        await Admin.CreateDeploymentAsync(Deployment, modelId, "chat", Model.BaseUri.ToString());
        await Admin.GrantAsync(Deployment, "LAB1");
        UserClient = App.ClientFor(User);
        await UserClient.SignInAsync();
        Key = await CreateKeyAsync(UserClient);
    }

    public static Dictionary<string, string?> Overrides() => new() { ["Invoke:UpstreamTimeoutSeconds"] = "2" };

    public static async Task<string> CreateKeyAsync(HttpClient client, object? body = null)
    {
        var created = await (await client.PostJsonAsync("/api/me/api-keys", body ?? new { name = "test key" })).AssertStatusAsync(HttpStatusCode.Created);
        return (string)created["key"]!;
    }

    /// <summary>A client that presents <paramref name="key"/> the way the contract allows (ApiKey or Bearer).</summary>
    public HttpClient KeyClient(string? key = null, string scheme = "ApiKey")
    {
        var client = App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(scheme, key ?? Key);
        return client;
    }

    public static StringContent Chat(string model, string text = "hello there", bool stream = false, bool includeUsage = false) =>
        Http.Json(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["model"] = model,
            ["messages"] = new[] { new { role = "user", content = text } },
            ["stream"] = stream,
            ["stream_options"] = includeUsage ? new { include_usage = true } : null,
        }));

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Model.DisposeAsync();
    }
}
