using System.Net;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.ExternalAccess;

/// <summary>Sign-in records, the re-login window and deployment cards; settings change, so the class owns its app.</summary>
public sealed class SignInAndCardsTests : IAsyncLifetime
{
    private ModelGateFactory app = null!;
    private HttpClient admin = null!;

    public async Task InitializeAsync()
    {
        app = await ModelGateFactory.StartAsync();
        admin = app.ClientFor(TestUser.Admin);
    }

    public async Task DisposeAsync() => await app.DisposeAsync();

    private static TestUser ExternalIn(params string[] groups) => new("ext-" + Guid.NewGuid().ToString("N")[..8], "Erin External", [], groups);

    private async Task SetLoginWindowAsync(int hours) =>
        await (await admin.PutAsync("/api/settings", Http.Json($"{{\"model_access_control_enabled\":true,\"require_external_user_login_after_hours\":{hours}}}")))
            .AssertStatusAsync(HttpStatusCode.OK);

    private async Task<string> GrantedDeploymentAsync(string kind, params string[] groups)
    {
        var (_, modelId) = await admin.CreateModelAsync("private");
        var name = CatalogSetup.UniqueDeploymentName();
        await admin.CreateDeploymentAsync(name, modelId, kind);
        if (groups.Length > 0) await admin.GrantAsync(name, groups);
        return name;
    }

    [Fact]
    public async Task Login_RecordsTheUser_AndMeReportsTheWindow()
    {
        await SetLoginWindowAsync(24);
        var user = ExternalIn("LAB1", "g-2");
        var client = app.ClientFor(user);
        var before = DateTimeOffset.UtcNow;
        var me = await client.SignInAsync();

        Assert.Equal(user.Id, (string?)me["id"]);
        Assert.Equal("Erin External", (string?)me["name"]);
        Assert.Equal(["LAB1", "g-2"], me["groups"]!.AsArray().Select(g => (string)g!));
        Assert.Empty(me["roles"]!.AsArray());
        var last = DateTimeOffset.Parse((string)me["last_login_at"]!);
        Assert.InRange(last, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(last.AddHours(24), DateTimeOffset.Parse((string)me["login_required_by"]!));
        Assert.True((bool)me["external_access_enabled"]!);

        var read = await (await client.GetAsync("/api/me")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal((string?)me["last_login_at"], (string?)read["last_login_at"]);
    }

    [Fact]
    public async Task Me_BeforeAnySignIn_HasNoLastLogin()
    {
        var me = await (await app.ClientFor(ExternalIn("x")).GetAsync("/api/me")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Null(me["last_login_at"]);
        Assert.Null(me["login_required_by"]);
    }

    [Fact]
    public async Task WindowMinusOne_NeedsNoReLogin()
    {
        await SetLoginWindowAsync(-1);
        var me = await app.ClientFor(ExternalIn("x")).SignInAsync();
        Assert.Null(me["login_required_by"]);
        Assert.True((bool)me["external_access_enabled"]!);
    }

    [Fact]
    public async Task WindowZero_TurnsExternalAccessOff_AndCardsAreEmpty()
    {
        var name = await GrantedDeploymentAsync("chat", "LAB-Z");
        var client = app.ClientFor(ExternalIn("LAB-Z"));
        await SetLoginWindowAsync(24);
        await client.SignInAsync();
        Assert.Contains((await Cards(client)).Select(c => c.Name), n => n == name);

        await SetLoginWindowAsync(0);
        var me = await client.SignInAsync();
        Assert.False((bool)me["external_access_enabled"]!);
        Assert.Null(me["login_required_by"]);
        Assert.Empty(await Cards(client));
        await SetLoginWindowAsync(24);
    }

    [Fact]
    public async Task Cards_ListExactlyTheGrantedDeployments_MatchingGroupsCaseSensitively()
    {
        await SetLoginWindowAsync(24);
        var upper = await GrantedDeploymentAsync("chat", "LAB1");
        var lower = await GrantedDeploymentAsync("chat", "lab1");
        var none = await GrantedDeploymentAsync("chat");
        var client = app.ClientFor(ExternalIn("LAB1"));
        await client.SignInAsync();

        var names = (await Cards(client)).Select(c => c.Name).ToList();
        Assert.Contains(upper, names);
        Assert.DoesNotContain(lower, names);
        Assert.DoesNotContain(none, names);
    }

    [Fact]
    public async Task Cards_CarryHostUriAndRunnableSnippets()
    {
        await SetLoginWindowAsync(24);
        var chat = await GrantedDeploymentAsync("chat", "snip");
        var predict = await GrantedDeploymentAsync("predict", "snip");
        var client = app.ClientFor(ExternalIn("snip"));
        await client.SignInAsync();
        var cards = await Cards(client);

        var chatCard = cards.Single(c => c.Name == chat);
        Assert.Equal($"{chat}.models.test", chatCard.Host);
        Assert.Equal($"http://gateway.test/deployments/{chat}", chatCard.Uri);
        Assert.Equal(["curl", "langchain_python", "openai_js", "openai_python"], chatCard.Snippets.Keys.Order());
        foreach (var snippet in chatCard.Snippets.Values)
        {
            Assert.Contains($"{chatCard.Uri}", snippet);
            Assert.Contains(chat, snippet);
            Assert.Contains("MODELGATE_API_KEY", snippet);
        }
        Assert.Contains("Authorization: ApiKey $MODELGATE_API_KEY", chatCard.Snippets["curl"]);
        Assert.Contains($"base_url=\"{chatCard.Uri}/v1\"", chatCard.Snippets["openai_python"]);

        var predictCard = cards.Single(c => c.Name == predict);
        Assert.Contains($"{predictCard.Uri}/predict", predictCard.Snippets["curl"]);
    }

    [Fact]
    public async Task Cards_ForInternalUsers_FollowModelGroupAccess()
    {
        await SetLoginWindowAsync(24);
        var owner = TestUser.Owner("-cards");
        var ownerClient = app.ClientFor(owner);
        var (_, modelId) = await ownerClient.CreateModelAsync("private");
        var name = CatalogSetup.UniqueDeploymentName();
        await ownerClient.CreateDeploymentAsync(name, modelId);

        await ownerClient.SignInAsync();
        Assert.Contains((await Cards(ownerClient)).Select(c => c.Name), n => n == name);
        var other = app.ClientFor(TestUser.NonSharer);
        await other.SignInAsync();
        Assert.DoesNotContain((await Cards(other)).Select(c => c.Name), n => n == name);
    }

    [Fact]
    public async Task Cards_WithoutSignIn_AreLoginRequired()
    {
        await (await app.ClientFor(ExternalIn("x")).GetAsync("/api/me/deployments")).AssertProblemAsync(HttpStatusCode.Forbidden, "login_required");
    }

    [Fact]
    public async Task ExternalUsers_CannotReachManagementApis()
    {
        var client = app.ClientFor(ExternalIn("x"));
        await (await client.GetAsync("/api/model-groups")).AssertProblemAsync(HttpStatusCode.Forbidden, "insufficient_role");
        await (await client.PostJsonAsync("/api/deployments", new { name = "x", model_id = "y", kind = "chat", upstream_url = "http://x/" }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "insufficient_role");
    }

    private sealed record Card(string Name, string Host, string Uri, Dictionary<string, string> Snippets);

    private static async Task<List<Card>> Cards(HttpClient client)
    {
        var body = await (await client.GetAsync("/api/me/deployments")).AssertStatusAsync(HttpStatusCode.OK);
        return body["items"]!.AsArray().Select(c => new Card((string)c!["name"]!, (string)c["host"]!, (string)c["uri"]!,
            c["snippets"]!.AsObject().ToDictionary(p => p.Key, p => (string)p.Value!))).ToList();
    }
}

/// <summary>A token with a groups overage (more than 200 groups): the sign-in asks Graph for the groups.</summary>
public sealed class OverageSignInTests
{
    [Fact]
    public async Task Login_WithGroupsOverage_TakesTransitiveGroupsFromGraph()
    {
        await using var graph = await ModelGate.DevHost.Graph.GraphFake.StartAsync(new ModelGate.DevHost.Graph.GraphFakeOptions());
        graph.Directory.AddUser("olga", "Olga Overage");
        graph.Directory.AddGroup("inner", "Inner");
        graph.Directory.AddGroup("outer", "Outer");
        graph.Directory.AddMember("inner", "olga");
        graph.Directory.AddMember("outer", "inner");
        await using var app = await ModelGateFactory.StartAsync(graph: graph);

        var user = new TestUser("olga", "Olga Overage", [], []) { GroupsOverage = true };
        var me = await app.ClientFor(user).SignInAsync();
        Assert.Equal(["inner", "outer"], me["groups"]!.AsArray().Select(g => (string)g!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Login_WithGroupsOverage_AndGraphDown_Is503AndRecordsNothing()
    {
        await using var graph = await ModelGate.DevHost.Graph.GraphFake.StartAsync(new ModelGate.DevHost.Graph.GraphFakeOptions());
        graph.Faults.Unavailable = true;
        await using var app = await ModelGateFactory.StartAsync(new Dictionary<string, string?> { ["Graph:MaxRetries"] = "0" }, graph);

        var user = new TestUser("olga", "Olga Overage", [], []) { GroupsOverage = true };
        var client = app.ClientFor(user);
        await (await client.PostAsync("/api/me/login", null)).AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "dependency_unavailable");
        var me = await (await client.GetAsync("/api/me")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Null(me["last_login_at"]);
    }
}
