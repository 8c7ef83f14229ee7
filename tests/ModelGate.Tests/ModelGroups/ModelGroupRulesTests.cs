using System.Net;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.ModelGroups;

/// <summary>Each OpenSearch model-group rule, one test each.</summary>
public sealed class ModelGroupRulesTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly ModelGateFactory app = fixture.App;
    private readonly HttpClient owner = fixture.App.ClientFor(TestUser.Owner());
    private readonly HttpClient admin = fixture.App.ClientFor(TestUser.Admin);

    [Fact]
    public async Task Create_WithoutAccessMode_IsPrivateAndOwnedByCreator()
    {
        var name = Http.UniqueName();
        var response = await owner.PostJsonAsync("/api/model-groups", new { name, description = "fraud models" });
        var created = await response.AssertStatusAsync(HttpStatusCode.Created);
        Assert.Equal("CREATED", (string?)created["status"]);
        Assert.NotNull(response.Headers.ETag);

        var group = await (await owner.GetAsync($"/api/model-groups/{created["model_group_id"]}")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(name, (string?)group["name"]);
        Assert.Equal("fraud models", (string?)group["description"]);
        Assert.Equal("private", (string?)group["access_mode"]);
        Assert.Empty(group["backend_roles"]!.AsArray());
        Assert.Equal(TestUser.Owner().Id, (string?)group["owner"]!["id"]);
        Assert.NotNull(group["created_at"]);
        Assert.NotNull(group["updated_at"]);
    }

    [Fact]
    public async Task Create_RestrictedWithoutBackendRoles_IsRefused()
    {
        var response = await owner.PostJsonAsync("/api/model-groups", new { name = Http.UniqueName(), access_mode = "restricted" });
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "restricted_requires_backend_roles");
    }

    [Theory]
    [InlineData("public")]
    [InlineData("private")]
    public async Task Create_BackendRolesWithoutRestricted_IsRefused(string mode)
    {
        var response = await owner.PostJsonAsync("/api/model-groups", new { name = Http.UniqueName(), access_mode = mode, backend_roles = new[] { "team-a" } });
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "backend_roles_require_restricted");
    }

    [Fact]
    public async Task Create_AddAllWithPublic_IsRefused()
    {
        var response = await owner.PostJsonAsync("/api/model-groups", new { name = Http.UniqueName(), access_mode = "public", add_all_backend_roles = true });
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "backend_roles_require_restricted");
    }

    [Fact]
    public async Task Create_BackendRoleTheCallerDoesNotHold_IsRefused()
    {
        var response = await owner.PostJsonAsync("/api/model-groups",
            new { name = Http.UniqueName(), access_mode = "restricted", backend_roles = new[] { "team-a", "team-z" } });
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "backend_role_not_held");
        Assert.Contains("team-z", problem["errors"]!["backend_roles"]![0]!.ToString());
    }

    [Fact]
    public async Task Create_BackendRolesAreMatchedCaseSensitively()
    {
        var response = await owner.PostJsonAsync("/api/model-groups",
            new { name = Http.UniqueName(), access_mode = "restricted", backend_roles = new[] { "TEAM-A" } });
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "backend_role_not_held");
    }

    [Fact]
    public async Task Create_BackendRolesAndAddAllTogether_IsRefused()
    {
        var response = await owner.PostJsonAsync("/api/model-groups",
            new { name = Http.UniqueName(), access_mode = "restricted", backend_roles = new[] { "team-a" }, add_all_backend_roles = true });
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "backend_roles_conflict");
    }

    [Fact]
    public async Task Create_AdminWithAddAllBackendRoles_IsRefused()
    {
        var response = await admin.PostJsonAsync("/api/model-groups",
            new { name = Http.UniqueName(), access_mode = "restricted", add_all_backend_roles = true });
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "admin_cannot_add_all_backend_roles");
    }

    [Fact]
    public async Task Create_AdminMayShareWithRolesItDoesNotHold()
    {
        var id = await admin.CreateGroupAsync(new { name = Http.UniqueName(), access_mode = "restricted", backend_roles = new[] { "team-x" } });
        var group = await (await admin.GetAsync($"/api/model-groups/{id}")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(["team-x"], group["backend_roles"]!.AsArray().Select(r => (string)r!));
    }

    [Fact]
    public async Task Create_AddAllBackendRoles_SharesWithEveryGroupTheCallerHolds()
    {
        var id = await owner.CreateGroupAsync(new { name = Http.UniqueName(), access_mode = "restricted", add_all_backend_roles = true });
        var group = await (await owner.GetAsync($"/api/model-groups/{id}")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(["team-a", "team-c"], group["backend_roles"]!.AsArray().Select(r => (string)r!));
    }

    [Fact]
    public async Task Create_BackendRolesWithoutMode_IsRestricted()
    {
        var id = await owner.CreateGroupAsync(new { name = Http.UniqueName(), backend_roles = new[] { "team-a" } });
        var group = await (await owner.GetAsync($"/api/model-groups/{id}")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("restricted", (string?)group["access_mode"]);
    }

    [Fact]
    public async Task Create_TakenName_IsRefusedIgnoringCase()
    {
        var name = Http.UniqueName();
        await owner.CreateGroupAsync(new { name });
        var again = await admin.PostJsonAsync("/api/model-groups", new { name = name.ToUpperInvariant() });
        await again.AssertProblemAsync(HttpStatusCode.Conflict, "name_taken");
    }

    [Fact]
    public async Task Create_ConcurrentCreatesOfOneName_ExactlyOneWins()
    {
        var name = Http.UniqueName();
        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => owner.PostJsonAsync("/api/model-groups", new { name })));
        Assert.Equal(1, attempts.Count(r => r.StatusCode == HttpStatusCode.Created));
        foreach (var loser in attempts.Where(r => r.StatusCode != HttpStatusCode.Created))
            await loser.AssertProblemAsync(HttpStatusCode.Conflict, "name_taken");
        var listed = await (await owner.GetAsync($"/api/model-groups?name={name}")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Single(listed["items"]!.AsArray());
    }

    [Fact]
    public async Task Create_ByReadOnlyOrExternalUser_IsRefused()
    {
        foreach (var user in new[] { TestUser.Reader, TestUser.External })
        {
            var response = await app.ClientFor(user).PostJsonAsync("/api/model-groups", new { name = Http.UniqueName() });
            await response.AssertProblemAsync(HttpStatusCode.Forbidden, "insufficient_role");
        }
    }

    [Fact]
    public async Task Rename_ToATakenName_IsRefusedAndTheOldNameStays()
    {
        var taken = Http.UniqueName();
        await owner.CreateGroupAsync(new { name = taken });
        var original = Http.UniqueName();
        var id = await owner.CreateGroupAsync(new { name = original });

        var response = await owner.PatchJsonAsync($"/api/model-groups/{id}", new { name = taken });
        await response.AssertProblemAsync(HttpStatusCode.Conflict, "name_taken");
        var group = await (await owner.GetAsync($"/api/model-groups/{id}")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(original, (string?)group["name"]);
    }

    [Fact]
    public async Task Rename_FreesTheOldName()
    {
        var original = Http.UniqueName();
        var id = await owner.CreateGroupAsync(new { name = original });
        await (await owner.PatchJsonAsync($"/api/model-groups/{id}", new { name = Http.UniqueName() })).AssertStatusAsync(HttpStatusCode.OK);
        await owner.CreateGroupAsync(new { name = original });
    }

    [Fact]
    public async Task Update_SharerMayRenameButNotChangeAccess()
    {
        var id = await owner.CreateGroupAsync(new { name = Http.UniqueName(), access_mode = "restricted", backend_roles = new[] { "team-a" } });
        var sharer = app.ClientFor(TestUser.Sharer);

        await (await sharer.PatchJsonAsync($"/api/model-groups/{id}", new { name = Http.UniqueName(), description = "renamed" }))
            .AssertStatusAsync(HttpStatusCode.OK);
        await (await sharer.PatchJsonAsync($"/api/model-groups/{id}", new { access_mode = "public" }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "owner_or_admin_only");

        var group = await (await owner.GetAsync($"/api/model-groups/{id}")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("restricted", (string?)group["access_mode"]);
        Assert.Equal("renamed", (string?)group["description"]);
        Assert.Equal(TestUser.Owner().Id, (string?)group["owner"]!["id"]);
    }

    [Fact]
    public async Task Update_MovingAwayFromRestricted_ClearsBackendRoles()
    {
        var id = await owner.CreateGroupAsync(new { name = Http.UniqueName(), access_mode = "restricted", backend_roles = new[] { "team-a" } });
        var updated = await (await owner.PatchJsonAsync($"/api/model-groups/{id}", new { access_mode = "public" })).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("public", (string?)updated["access_mode"]);
        Assert.Empty(updated["backend_roles"]!.AsArray());
    }

    [Fact]
    public async Task Update_ToRestrictedWithoutRoles_IsRefused()
    {
        var id = await owner.CreateGroupAsync(new { name = Http.UniqueName(), access_mode = "public" });
        await (await owner.PatchJsonAsync($"/api/model-groups/{id}", new { access_mode = "restricted" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "restricted_requires_backend_roles");
    }

    [Fact]
    public async Task Update_WithStaleIfMatch_Is412AndChangesNothing()
    {
        var name = Http.UniqueName();
        var created = await owner.PostJsonAsync("/api/model-groups", new { name });
        var id = (string)(await created.AssertStatusAsync(HttpStatusCode.Created))["model_group_id"]!;
        var staleETag = created.Headers.ETag!.ToString();
        await (await owner.PatchJsonAsync($"/api/model-groups/{id}", new { description = "first" }, staleETag)).AssertStatusAsync(HttpStatusCode.OK);

        await (await owner.PatchJsonAsync($"/api/model-groups/{id}", new { description = "second" }, staleETag))
            .AssertProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed");
        var group = await (await owner.GetAsync($"/api/model-groups/{id}")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("first", (string?)group["description"]);
    }

    [Fact]
    public async Task Delete_WhileModelsExist_IsRefusedUntilTheyAreGone()
    {
        var id = await owner.CreateGroupAsync(new { name = Http.UniqueName() });
        var model = await (await owner.PostJsonAsync($"/api/model-groups/{id}/models", new { name = "scorer" })).AssertStatusAsync(HttpStatusCode.Created);

        await (await owner.DeleteAsync($"/api/model-groups/{id}")).AssertProblemAsync(HttpStatusCode.Conflict, "model_group_not_empty");
        await (await owner.DeleteAsync($"/api/models/{model["model_id"]}")).AssertStatusAsync(HttpStatusCode.NoContent);
        await (await owner.DeleteAsync($"/api/model-groups/{id}")).AssertStatusAsync(HttpStatusCode.NoContent);
        await (await owner.GetAsync($"/api/model-groups/{id}")).AssertProblemAsync(HttpStatusCode.NotFound, "model_group_not_found");
    }

    [Fact]
    public async Task RegisterModel_VersionsCountUpPerGroup_EvenWhenConcurrent()
    {
        var id = await owner.CreateGroupAsync(new { name = Http.UniqueName(), access_mode = "public" });
        var sharer = app.ClientFor(TestUser.NonSharer);
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            (i % 2 == 0 ? owner : sharer).PostJsonAsync($"/api/model-groups/{id}/models", new { name = $"m{i}" })));
        var versions = new List<int>();
        foreach (var r in results) versions.Add((int)(await r.AssertStatusAsync(HttpStatusCode.Created))["version"]!);
        Assert.Equal(Enumerable.Range(1, 10), versions.Order());

        var group = await (await owner.GetAsync($"/api/model-groups/{id}")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(10, (int)group["model_count"]!);
        Assert.Equal(TestUser.Owner().Id, (string?)group["owner"]!["id"]);
    }

    [Fact]
    public async Task HiddenModel_RegisteredBySuperAdmin_IsKnownByNameOnlyToSuperAdmins()
    {
        var super = app.ClientFor(TestUser.SuperAdmin);
        var id = await owner.CreateGroupAsync(new { name = Http.UniqueName(), access_mode = "public" });
        var modelName = "secret-scorer-" + Guid.NewGuid().ToString("N")[..6];
        var model = await (await super.PostJsonAsync($"/api/model-groups/{id}/models", new { name = modelName })).AssertStatusAsync(HttpStatusCode.Created);
        Assert.Equal(modelName, (string?)model["model_id"]);

        var seen = await (await super.GetAsync($"/api/models/{modelName}")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.True((bool)seen["hidden"]!);
        await (await admin.GetAsync($"/api/models/{modelName}")).AssertProblemAsync(HttpStatusCode.NotFound, "model_not_found");
        await (await owner.DeleteAsync($"/api/models/{modelName}")).AssertProblemAsync(HttpStatusCode.NotFound, "model_not_found");
        var ownerList = await (await owner.GetAsync($"/api/model-groups/{id}/models")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Empty(ownerList["items"]!.AsArray());
        var superList = await (await super.GetAsync($"/api/model-groups/{id}/models")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Single(superList["items"]!.AsArray());
        await (await super.DeleteAsync($"/api/models/{modelName}")).AssertStatusAsync(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task List_PagesWithContinuation()
    {
        var prefix = Http.UniqueName("page")[..14];
        var lister = app.ClientFor(TestUser.Owner("-pager"));
        for (var i = 0; i < 7; i++) await lister.CreateGroupAsync(new { name = $"{prefix}-{i}" });

        var seen = new List<string>();
        string? continuation = null;
        var pages = 0;
        do
        {
            var url = "/api/model-groups?limit=3" + (continuation is null ? "" : $"&continuation={continuation}");
            var page = await (await lister.GetAsync(url)).AssertStatusAsync(HttpStatusCode.OK);
            seen.AddRange(page["items"]!.AsArray().Select(g => (string)g!["name"]!).Where(n => n.StartsWith(prefix)));
            continuation = (string?)page["continuation"];
            pages++;
        } while (continuation is not null && pages < 100);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"{prefix}-{i}"), seen);
    }

    [Fact]
    public async Task List_WithForgedContinuationOrBadLimit_IsRefused()
    {
        await (await owner.GetAsync("/api/model-groups?continuation=%%%")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_continuation");
        await (await owner.GetAsync("/api/model-groups?limit=0")).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await owner.GetAsync("/api/model-groups?limit=201")).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await owner.GetAsync("/api/model-groups?access_mode=secret")).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }
}
