using ModelGate.Hosting;
using ModelGate.Identity;
using ModelGate.Problems;

namespace ModelGate.Settings;

public static class SettingsApi
{
    public sealed record SettingsBody(bool? ModelAccessControlEnabled, int? RequireExternalUserLoginAfterHours);

    public sealed record SettingsResponse(bool ModelAccessControlEnabled, int RequireExternalUserLoginAfterHours, bool ExternalAccessEnabled)
    {
        public static SettingsResponse From(GatewaySettings s) =>
            new(s.ModelAccessControlEnabled, s.RequireExternalUserLoginAfterHours, s.ExternalAccessEnabled);
    }

    public static RouteGroupBuilder MapSettingsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/settings").RequireAuthorization().WithTags("Settings");
        group.MapGet("", Get).Produces<SettingsResponse>();
        group.MapPut("", Put).Accepts<SettingsBody>("application/json").Produces<SettingsResponse>();
        return group;
    }

    public static async Task<IResult> Get(HttpContext http, CurrentUser user, SettingsStore store)
    {
        user.RequireRead();
        var (settings, etag) = await store.GetAsync(http.RequestAborted);
        ETags.Set(http.Response, etag);
        return Results.Json(SettingsResponse.From(settings), ApiJson.Options);
    }

    public static async Task<IResult> Put(HttpContext http, CurrentUser user, SettingsStore store, Invoke.InvokeCatalog invokeCatalog)
    {
        user.RequireAdmin();
        var body = await RequestBody.ReadAsync<SettingsBody>(http);
        var validation = new Validation();
        if (body.ModelAccessControlEnabled is null) validation.Add("model_access_control_enabled", "Required.");
        if (body.RequireExternalUserLoginAfterHours is not { } hours) validation.Add("require_external_user_login_after_hours", "Required.");
        else if (hours < -1 || hours > GatewaySettings.MaxLoginWindowHours)
            validation.Add("require_external_user_login_after_hours",
                $"-1 (no re-login), 0 (external access off) or 1..{GatewaySettings.MaxLoginWindowHours} hours.");
        validation.ThrowIfAny();

        var settings = new GatewaySettings(body.ModelAccessControlEnabled!.Value, body.RequireExternalUserLoginAfterHours!.Value);
        var etag = await store.SaveAsync(settings, ETags.IfMatch(http.Request), http.RequestAborted);
        invokeCatalog.ForgetAll();
        ETags.Set(http.Response, etag);
        return Results.Json(SettingsResponse.From(settings), ApiJson.Options);
    }
}
