using System.Net;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.ModelGroups;

/// <summary>With model access control switched off every group behaves as public and access fields are refused.</summary>
public sealed class AccessControlDisabledTests : IAsyncLifetime
{
    private ModelGateFactory app = null!;

    public async Task InitializeAsync() => app = await ModelGateFactory.StartAsync(new Dictionary<string, string?>
    {
        ["Settings:ModelAccessControlEnabled"] = "false",
    });

    public async Task DisposeAsync() => await app.DisposeAsync();

    [Fact]
    public async Task PrivateGroup_IsVisibleToEveryoneWithARole()
    {
        var id = await app.ClientFor(TestUser.Owner()).CreateGroupAsync(new { name = Http.UniqueName() });
        var outsider = app.ClientFor(TestUser.NonSharer);
        await (await outsider.GetAsync($"/api/model-groups/{id}")).AssertStatusAsync(HttpStatusCode.OK);
        await (await outsider.PatchJsonAsync($"/api/model-groups/{id}", new { description = "edited" })).AssertStatusAsync(HttpStatusCode.OK);
        await (await app.ClientFor(TestUser.External).GetAsync($"/api/model-groups/{id}")).AssertProblemAsync(HttpStatusCode.Forbidden, "insufficient_role");
    }

    [Theory]
    [InlineData("{\"name\":\"N\",\"access_mode\":\"public\"}")]
    [InlineData("{\"name\":\"N\",\"backend_roles\":[\"team-a\"]}")]
    [InlineData("{\"name\":\"N\",\"add_all_backend_roles\":false}")]
    public async Task AccessFields_AreRefused(string body)
    {
        var response = await app.ClientFor(TestUser.Owner()).PostAsync("/api/model-groups", Http.Json(body.Replace("\"N\"", $"\"{Http.UniqueName()}\"")));
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "access_control_disabled");
    }

    [Fact]
    public async Task SwitchingItBackOn_RestoresPrivacy()
    {
        var admin = app.ClientFor(TestUser.Admin);
        var id = await app.ClientFor(TestUser.Owner()).CreateGroupAsync(new { name = Http.UniqueName() });
        await (await admin.PutAsync("/api/settings", Http.Json("{\"model_access_control_enabled\":true,\"require_external_user_login_after_hours\":-1}")))
            .AssertStatusAsync(HttpStatusCode.OK);
        try
        {
            await (await app.ClientFor(TestUser.NonSharer).GetAsync($"/api/model-groups/{id}"))
                .AssertProblemAsync(HttpStatusCode.Forbidden, "model_group_forbidden");
        }
        finally
        {
            await admin.PutAsync("/api/settings", Http.Json("{\"model_access_control_enabled\":false,\"require_external_user_login_after_hours\":-1}"));
        }
    }
}
