using System.Net;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.Deployments;

public sealed class ExternalAccessApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly ModelGateFactory app = fixture.App;
    private readonly HttpClient owner = fixture.App.ClientFor(TestUser.Owner());

    private async Task<string> DeploymentAsync()
    {
        var (_, modelId) = await owner.CreateModelAsync();
        var name = CatalogSetup.UniqueDeploymentName();
        await owner.CreateDeploymentAsync(name, modelId);
        return name;
    }

    [Fact]
    public async Task Grants_StartEmpty_AndPutStoresGroupsExactlyAsGiven()
    {
        var name = await DeploymentAsync();
        var initial = await (await owner.GetAsync($"/api/deployments/{name}/external-access")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Empty(initial["groups"]!.AsArray());
        Assert.False(string.IsNullOrEmpty((string?)initial["etag"]));

        string[] groups = ["LAB1", "lab1", "Data Science (EU)", "O'Brien's team", "Zoë-Gruppe", "3f2a9c1e-0d4b-4e5f-8a6b-7c8d9e0f1a2b"];
        var put = await (await owner.PutAsync($"/api/deployments/{name}/external-access", Http.Json(System.Text.Json.JsonSerializer.Serialize(new { groups }))))
            .AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(groups, put["groups"]!.AsArray().Select(g => (string)g!));
        var read = await (await owner.GetAsync($"/api/deployments/{name}/external-access")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(groups, read["groups"]!.AsArray().Select(g => (string)g!));
    }

    [Theory]
    [InlineData("{\"groups\":[\" padded\"]}")]
    [InlineData("{\"groups\":[\"\"]}")]
    [InlineData("{\"groups\":[\"tab\\there\"]}")]
    [InlineData("{}")]
    public async Task Put_InvalidGroups_AreRefused(string body)
    {
        var name = await DeploymentAsync();
        await (await owner.PutAsync($"/api/deployments/{name}/external-access", Http.Json(body))).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task Put_WithStaleETag_Is412()
    {
        var name = await DeploymentAsync();
        var read = await owner.GetAsync($"/api/deployments/{name}/external-access");
        var etag = read.Headers.ETag!.ToString();
        await owner.GrantAsync(name, "someone-else");

        var put = new HttpRequestMessage(HttpMethod.Put, $"/api/deployments/{name}/external-access") { Content = Http.Json("{\"groups\":[\"mine\"]}") };
        put.Headers.TryAddWithoutValidation("If-Match", etag);
        await (await owner.SendAsync(put)).AssertProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed");
        var now = await (await owner.GetAsync($"/api/deployments/{name}/external-access")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(["someone-else"], now["groups"]!.AsArray().Select(g => (string)g!));
    }

    [Fact]
    public async Task TwentyConcurrentPatches_AddingDistinctGroups_AllLand()
    {
        var name = await DeploymentAsync();
        var groups = Enumerable.Range(0, 20).Select(i => $"group-{i:D2}").ToArray();
        var responses = await Task.WhenAll(groups.Select(g => owner.PatchJsonAsync($"/api/deployments/{name}/external-access", new { add = new[] { g } })));
        foreach (var r in responses) await r.AssertStatusAsync(HttpStatusCode.OK);

        var read = await (await owner.GetAsync($"/api/deployments/{name}/external-access")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(groups, read["groups"]!.AsArray().Select(g => (string)g!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Patch_AddsAndRemoves_AndRefusesBothAtOnce()
    {
        var name = await DeploymentAsync();
        await owner.GrantAsync(name, "a", "b", "c");
        var changed = await (await owner.PatchJsonAsync($"/api/deployments/{name}/external-access", new { add = new[] { "d" }, remove = new[] { "b", "B" } }))
            .AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(["a", "c", "d"], changed["groups"]!.AsArray().Select(g => (string)g!));
        await (await owner.PatchJsonAsync($"/api/deployments/{name}/external-access", new { add = new[] { "x" }, remove = new[] { "x" } }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task OnlyManagersChangeGrants()
    {
        var name = await DeploymentAsync();
        await (await app.ClientFor(TestUser.Reader).PatchJsonAsync($"/api/deployments/{name}/external-access", new { add = new[] { "x" } }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "insufficient_role");
        await (await app.ClientFor(TestUser.External).GetAsync($"/api/deployments/{name}/external-access"))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "insufficient_role");
        await app.ClientFor(TestUser.NonSharer).GrantAsync(name, "public-group-means-any-full-access-user-manages");
    }
}
