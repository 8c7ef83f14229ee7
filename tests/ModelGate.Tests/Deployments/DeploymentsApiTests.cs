using System.Net;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.Deployments;

public sealed class DeploymentsApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly ModelGateFactory app = fixture.App;
    private readonly HttpClient admin = fixture.App.ClientFor(TestUser.Admin);
    private readonly HttpClient owner = fixture.App.ClientFor(TestUser.Owner());

    [Fact]
    public async Task Create_AnswersHostAndUri_AndReadsBack()
    {
        var (_, modelId) = await owner.CreateModelAsync();
        var name = CatalogSetup.UniqueDeploymentName();
        var response = await owner.PostJsonAsync("/api/deployments",
            new { name, model_id = modelId, kind = "chat", upstream_url = "https://llm.internal:8443/base", price_per_call = 0.002m });
        var created = await response.AssertStatusAsync(HttpStatusCode.Created);
        Assert.Equal($"{name}.models.test", (string?)created["host"]);
        Assert.Equal($"http://gateway.test/deployments/{name}", (string?)created["uri"]);
        Assert.Equal("chat", (string?)created["kind"]);
        Assert.Equal(0.002m, (decimal)created["price_per_call"]!);
        Assert.NotNull(response.Headers.ETag);

        var read = await (await owner.GetAsync($"/api/deployments/{name}")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("https://llm.internal:8443/base", (string?)read["upstream_url"]);
        Assert.Equal(modelId, (string?)read["model_id"]);
    }

    [Theory]
    [InlineData("Upper")]
    [InlineData("under_score")]
    [InlineData("-leading")]
    [InlineData("trailing-")]
    [InlineData("dot.ted")]
    [InlineData("")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234")]
    public async Task Create_NameThatIsNotADnsLabel_IsRefused(string name)
    {
        var (_, modelId) = await owner.CreateModelAsync();
        var problem = await (await owner.PostJsonAsync("/api/deployments", new { name, model_id = modelId, kind = "chat", upstream_url = "http://x/" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotNull(problem["errors"]!["name"]);
    }

    [Theory]
    [InlineData("/relative")]
    [InlineData("ftp://files.internal/")]
    [InlineData("http://user:secret@llm.internal/")]
    [InlineData("http://llm.internal/#frag")]
    [InlineData("not a url")]
    public async Task Create_UpstreamThatIsNotPlainHttp_IsRefused(string upstream)
    {
        var (_, modelId) = await owner.CreateModelAsync();
        var problem = await (await owner.PostJsonAsync("/api/deployments",
                new { name = CatalogSetup.UniqueDeploymentName(), model_id = modelId, kind = "chat", upstream_url = upstream }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotNull(problem["errors"]!["upstream_url"]);
        Assert.DoesNotContain("secret", problem.ToJsonString());
    }

    [Fact]
    public async Task Create_UnknownKindOrNegativePrice_IsRefused()
    {
        var (_, modelId) = await owner.CreateModelAsync();
        await (await owner.PostJsonAsync("/api/deployments", new { name = CatalogSetup.UniqueDeploymentName(), model_id = modelId, kind = "embed", upstream_url = "http://x/" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await owner.PostJsonAsync("/api/deployments", new { name = CatalogSetup.UniqueDeploymentName(), model_id = modelId, kind = "chat", upstream_url = "http://x/", price_per_call = -1 }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task Create_TakenName_Is409()
    {
        var (_, modelId) = await owner.CreateModelAsync();
        var name = CatalogSetup.UniqueDeploymentName();
        await owner.CreateDeploymentAsync(name, modelId);
        await (await admin.PostJsonAsync("/api/deployments", new { name, model_id = modelId, kind = "predict", upstream_url = "http://x/" }))
            .AssertProblemAsync(HttpStatusCode.Conflict, "name_taken");
    }

    [Fact]
    public async Task Create_ModelGroupDecidesWhoMayDeploy()
    {
        var (_, privateModel) = await owner.CreateModelAsync("private");
        await (await app.ClientFor(TestUser.NonSharer).PostJsonAsync("/api/deployments",
                new { name = CatalogSetup.UniqueDeploymentName(), model_id = privateModel, kind = "chat", upstream_url = "http://x/" }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "model_group_forbidden");

        var (_, sharedModel) = await owner.CreateModelAsync("restricted", ["team-a"]);
        await app.ClientFor(TestUser.Sharer).CreateDeploymentAsync(CatalogSetup.UniqueDeploymentName(), sharedModel);
        await (await app.ClientFor(TestUser.Reader).PostJsonAsync("/api/deployments",
                new { name = CatalogSetup.UniqueDeploymentName(), model_id = sharedModel, kind = "chat", upstream_url = "http://x/" }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "insufficient_role");
    }

    [Fact]
    public async Task HiddenModel_IsDeployableOnlyBySuperAdmin()
    {
        var super = app.ClientFor(TestUser.SuperAdmin);
        var groupId = await admin.CreateGroupAsync(new { name = Http.UniqueName(), access_mode = "public" });
        var hiddenName = "hidden-" + Guid.NewGuid().ToString("N")[..8];
        await (await super.PostJsonAsync($"/api/model-groups/{groupId}/models", new { name = hiddenName })).AssertStatusAsync(HttpStatusCode.Created);

        await (await admin.PostJsonAsync("/api/deployments", new { name = CatalogSetup.UniqueDeploymentName(), model_id = hiddenName, kind = "chat", upstream_url = "http://x/" }))
            .AssertProblemAsync(HttpStatusCode.NotFound, "model_not_found");
        var name = CatalogSetup.UniqueDeploymentName();
        await super.CreateDeploymentAsync(name, hiddenName);
        await (await admin.GetAsync($"/api/deployments/{name}")).AssertProblemAsync(HttpStatusCode.NotFound, "deployment_not_found");
        await (await super.GetAsync($"/api/deployments/{name}")).AssertStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task DeletingAModelInUse_Is409_UntilItsDeploymentIsGone()
    {
        var (_, modelId) = await owner.CreateModelAsync();
        var name = CatalogSetup.UniqueDeploymentName();
        await owner.CreateDeploymentAsync(name, modelId);

        await (await owner.DeleteAsync($"/api/models/{modelId}")).AssertProblemAsync(HttpStatusCode.Conflict, "model_deployed");
        await (await owner.DeleteAsync($"/api/deployments/{name}")).AssertStatusAsync(HttpStatusCode.NoContent);
        await (await owner.GetAsync($"/api/deployments/{name}")).AssertProblemAsync(HttpStatusCode.NotFound, "deployment_not_found");
        await (await owner.DeleteAsync($"/api/models/{modelId}")).AssertStatusAsync(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task DeployingAModelBeingDeleted_NeverLeavesADeploymentWithoutItsModel()
    {
        for (var round = 0; round < 5; round++)
        {
            var (_, modelId) = await owner.CreateModelAsync();
            var name = CatalogSetup.UniqueDeploymentName();
            var deploy = owner.PostJsonAsync("/api/deployments", new { name, model_id = modelId, kind = "chat", upstream_url = "http://x/" });
            var delete = owner.DeleteAsync($"/api/models/{modelId}");
            await Task.WhenAll(deploy, delete);
            var deployed = (await deploy).StatusCode == HttpStatusCode.Created;
            var deleted = (await delete).StatusCode == HttpStatusCode.NoContent;
            Assert.True(deployed != deleted, $"round {round}: deployed={deployed} deleted={deleted}");
        }
    }

    [Fact]
    public async Task Update_ChangesUpstream_AndHonoursIfMatch()
    {
        var (_, modelId) = await owner.CreateModelAsync();
        var name = CatalogSetup.UniqueDeploymentName();
        await owner.CreateDeploymentAsync(name, modelId);
        var read = await owner.GetAsync($"/api/deployments/{name}");
        var etag = read.Headers.ETag!.ToString();

        var updated = await (await owner.PatchJsonAsync($"/api/deployments/{name}", new { upstream_url = "http://other:8080/" }, etag))
            .AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("http://other:8080/", (string?)updated["upstream_url"]);
        await (await owner.PatchJsonAsync($"/api/deployments/{name}", new { description = "late" }, etag))
            .AssertProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed");
        await (await owner.PatchJsonAsync($"/api/deployments/{name}", new { name = "renamed" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "unknown_field");
    }

    [Fact]
    public async Task List_ShowsOnlyDeploymentsOfVisibleGroups()
    {
        var (_, privateModel) = await owner.CreateModelAsync("private");
        var hiddenFromOthers = CatalogSetup.UniqueDeploymentName("priv");
        await owner.CreateDeploymentAsync(hiddenFromOthers, privateModel);

        var mine = await (await owner.GetAsync("/api/deployments?limit=200")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Contains(mine["items"]!.AsArray(), d => (string?)d!["name"] == hiddenFromOthers);
        var theirs = await (await app.ClientFor(TestUser.NonSharer).GetAsync("/api/deployments?limit=200")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(theirs["items"]!.AsArray(), d => (string?)d!["name"] == hiddenFromOthers);
        await (await app.ClientFor(TestUser.External).GetAsync("/api/deployments")).AssertProblemAsync(HttpStatusCode.Forbidden, "insufficient_role");
    }
}
