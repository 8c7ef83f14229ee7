using System.Net;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.Settings;

public sealed class SettingsApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly HttpClient admin = fixture.App.ClientFor(TestUser.Admin);

    [Fact]
    public async Task Settings_StartFromConfiguredDefaults_AndAdminsChangeThem()
    {
        var initial = await admin.GetAsync("/api/settings");
        var body = await initial.AssertStatusAsync(HttpStatusCode.OK);
        Assert.True((bool)body["model_access_control_enabled"]!);
        Assert.NotNull(initial.Headers.ETag);

        var put = new HttpRequestMessage(HttpMethod.Put, "/api/settings")
        {
            Content = Http.Json("{\"model_access_control_enabled\":true,\"require_external_user_login_after_hours\":0}"),
        };
        put.Headers.TryAddWithoutValidation("If-Match", initial.Headers.ETag!.ToString());
        var saved = await (await admin.SendAsync(put)).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(0, (int)saved["require_external_user_login_after_hours"]!);
        Assert.False((bool)saved["external_access_enabled"]!);

        // The ETag read before the save is stale now.
        var stale = new HttpRequestMessage(HttpMethod.Put, "/api/settings")
        {
            Content = Http.Json("{\"model_access_control_enabled\":true,\"require_external_user_login_after_hours\":5}"),
        };
        stale.Headers.TryAddWithoutValidation("If-Match", initial.Headers.ETag!.ToString());
        await (await admin.SendAsync(stale)).AssertProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed");

        await (await admin.PutAsync("/api/settings", Http.Json("{\"model_access_control_enabled\":true,\"require_external_user_login_after_hours\":24}")))
            .AssertStatusAsync(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("{\"model_access_control_enabled\":true,\"require_external_user_login_after_hours\":-2}")]
    [InlineData("{\"model_access_control_enabled\":true}")]
    [InlineData("{\"require_external_user_login_after_hours\":5}")]
    [InlineData("{\"model_access_control_enabled\":true,\"require_external_user_login_after_hours\":99999999}")]
    public async Task InvalidSettings_AreRefused(string body)
    {
        await (await admin.PutAsync("/api/settings", Http.Json(body))).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task NonAdmins_CannotChangeSettings()
    {
        var owner = fixture.App.ClientFor(TestUser.Owner());
        await (await owner.PutAsync("/api/settings", Http.Json("{\"model_access_control_enabled\":false,\"require_external_user_login_after_hours\":-1}")))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "admin_only");
    }
}
