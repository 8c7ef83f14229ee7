using ModelGate.Problems;

namespace ModelGate.Identity;

/// <summary>POST /dev/token: mints a development token. Mapped only when the development issuer is on.</summary>
public static class DevTokenApi
{
    public sealed record DevTokenRequest(string? Oid, string? Name, string? Tid, string?[]? Groups, string?[]? Roles, int? ExpiresInMinutes,
        bool? GroupsOverage);

    public static IEndpointRouteBuilder MapDevTokenApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/dev/token", CreateToken).ExcludeFromDescription().AllowAnonymous();
        return routes;
    }

    /// <summary>
    /// Answers {access_token}; with Accept: text/plain the bare token, so a shell can capture it without jq.
    /// </summary>
    public static async Task<IResult> CreateToken(HttpContext http, DevelopmentIssuer issuer)
    {
        var body = await RequestBody.ReadAsync<DevTokenRequest>(http);
        var validation = new Validation();
        if (!Text.IsKeySafe(body.Oid)) validation.Add("oid", "Required: 1..128 printable characters without / \\ # ? : |.");
        if (body.Tid is not null && !Text.IsKeySafe(body.Tid)) validation.Add("tid", "1..128 printable characters without / \\ # ? : |.");
        var name = validation.Name("name", body.Name, max: 200, required: false);
        var groups = validation.Identifiers("groups", body.Groups, maxCount: 1000) ?? [];
        var roles = validation.Identifiers("roles", body.Roles) ?? [];
        foreach (var role in roles)
            if (!Roles.All.Contains(role)) validation.Add("roles", $"Unknown role '{role}'; known: {string.Join(", ", Roles.All)}.");
        var minutes = body.ExpiresInMinutes ?? 60;
        if (minutes is < 1 or > 24 * 60) validation.Add("expires_in_minutes", "Between 1 and 1440.");
        validation.ThrowIfAny();

        var token = issuer.CreateToken(body.Tid ?? DevelopmentIssuer.DefaultTenantId, body.Oid!, name, groups, roles,
            TimeSpan.FromMinutes(minutes), body.GroupsOverage == true);
        var wantsText = http.Request.Headers.Accept.Any(a => a?.Contains("text/plain", StringComparison.OrdinalIgnoreCase) == true);
        return wantsText
            ? Results.Text(token, "text/plain")
            : Results.Json(new { access_token = token, token_type = "Bearer", expires_in = minutes * 60 });
    }
}
