using Microsoft.Extensions.Options;
using ModelGate.Deployments;
using ModelGate.ExternalAccess;
using ModelGate.Hosting;
using ModelGate.Identity;
using ModelGate.ModelGroups;
using ModelGate.Problems;
using ModelGate.Settings;
using static ModelGate.ModelGroups.ModelGroupsApi;

namespace ModelGate.ApiKeys;

/// <summary>/api/me/api-keys (a signed-in person's own keys) and /api/api-keys (every key, for admins).</summary>
public static class ApiKeysApi
{
    public sealed record CreateApiKeyRequest(string? Name, int? ExpiresInDays, string?[]? Deployments);

    /// <summary>The only response that ever carries <see cref="Key"/>.</summary>
    public sealed record CreatedApiKeyResponse(string Id, string Name, string Key, string Prefix, DateTimeOffset CreatedAt,
        DateTimeOffset ExpiresAt, IReadOnlyList<string> Deployments)
    {
        // Records print every property; this one must never print the key.
        public override string ToString() => $"CreatedApiKeyResponse {{ Id = {Id} }}";
    }

    public sealed record ApiKeyResponse(string Id, string Name, string Prefix, string UserId, ApiKeyState State, bool Revoked,
        DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt,
        IReadOnlyList<string> Deployments)
    {
        public static ApiKeyResponse From(ApiKey k) => new(k.Id, k.Name, k.DisplayPrefix, k.UserId, k.State, k.State == ApiKeyState.Revoked,
            k.CreatedAt, k.ExpiresAt, k.LastUsedAt, k.RevokedAt, k.Deployments);
    }

    /// <summary>Most deployments one key may be scoped to.</summary>
    public const int MaxScopedDeployments = 50;

    public static IEndpointRouteBuilder MapApiKeysApi(this IEndpointRouteBuilder routes)
    {
        var own = routes.MapGroup("/api/me/api-keys").RequireAuthorization().WithTags("Signed-in user");
        own.MapPost("", Create).Accepts<CreateApiKeyRequest>("application/json").Produces<CreatedApiKeyResponse>(201);
        own.MapGet("", ListOwn).Produces<ListResponse<ApiKeyResponse>>();
        own.MapDelete("{id}", RevokeOwn).Produces(204);

        var all = routes.MapGroup("/api/api-keys").RequireAuthorization().WithTags("API keys");
        all.MapGet("", List).Produces<ListResponse<ApiKeyResponse>>();
        all.MapDelete("{id}", Revoke).Produces(204);
        return routes;
    }

    /// <summary>
    /// Creates a key for the caller and shows its text this once. Needs a sign-in record (the proxy decides
    /// key calls on it); a scope may only name deployments the caller may invoke now.
    /// </summary>
    public static async Task<IResult> Create(HttpContext http, CurrentUser user, SignIns signIns, SettingsStore settings, ModelCatalog models,
        DeploymentCatalog deployments, ApiKeyIssuer issuer, IOptions<ApiKeyOptions> options, TimeProvider time)
    {
        var body = await RequestBody.ReadAsync<CreateApiKeyRequest>(http);
        var limits = options.Value;
        var validation = new Validation();
        var name = validation.Name("name", body.Name);
        var days = body.ExpiresInDays ?? limits.DefaultExpiryDays;
        if (days < 1 || days > limits.MaxExpiryDays)
            validation.Add("expires_in_days", $"A whole number of days from 1 to {limits.MaxExpiryDays}.");
        var scope = ReadScope(validation, body.Deployments);
        validation.ThrowIfAny();

        var signIn = await signIns.GetAsync(user.TenantId, user.ObjectId, http.RequestAborted)
            ?? throw ApiProblem.Forbidden("login_required", "Sign in first: POST /api/me/login records your groups, which key calls are decided on.");
        if (scope.Count > 0) await RequireInvocableAsync(signIn, scope, settings, models, deployments, time.GetUtcNow(), http.RequestAborted);

        var issued = await issuer.IssueAsync(signIn.UserId, name!, days, scope, http.RequestAborted);
        // The key is in this body and nowhere else; no cache on the way may keep a copy.
        http.Response.Headers.CacheControl = "no-store";
        var key = issued.Key;
        return Results.Json(new CreatedApiKeyResponse(key.Id, key.Name, issued.Text, key.DisplayPrefix, key.CreatedAt, key.ExpiresAt,
            key.Deployments), ApiJson.Options, statusCode: 201);
    }

    /// <summary>The caller's keys, revoked and pending ones included, without any secret.</summary>
    public static async Task<IResult> ListOwn(HttpContext http, CurrentUser user, ApiKeyStore store)
    {
        var paging = Paging.From(http.Request);
        var page = await paging.TakeAsync(store.ListAsync(user.Id, paging.After, http.RequestAborted), k => k.Id, ApiKeyResponse.From,
            http.RequestAborted);
        return Results.Json(new ListResponse<ApiKeyResponse>(page.Items, page.Continuation), ApiJson.Options);
    }

    /// <summary>Revokes one of the caller's keys. Someone else's key answers 404, as a key that does not exist.</summary>
    public static async Task<IResult> RevokeOwn(string id, HttpContext http, CurrentUser user, ApiKeyStore store, ApiKeyIssuer issuer)
    {
        var key = await store.GetAsync(id, http.RequestAborted);
        if (key is null || !string.Equals(key.UserId, user.Id, StringComparison.Ordinal)) throw NotFound();
        await issuer.RevokeAsync(key, user.Id, http.RequestAborted);
        return Results.NoContent();
    }

    /// <summary>Admins: every key, or one user's (<c>?user=tenant:object</c>).</summary>
    public static async Task<IResult> List(HttpContext http, CurrentUser user, ApiKeyStore store)
    {
        user.RequireAdmin();
        var paging = Paging.From(http.Request);
        string? owner = null;
        if (http.Request.Query["user"].ToString() is { Length: > 0 } given)
        {
            // Only ever a filter literal (TableFilter quotes it); the check keeps the query sane, not safe.
            if (given.Length > 300 || !Text.IsPrintable(given, allowLineBreaks: false))
                throw ApiProblem.Validation("user", "A user id as \"tenant:object\".");
            owner = given;
        }
        var page = await paging.TakeAsync(store.ListAsync(owner, paging.After, http.RequestAborted), k => k.Id, ApiKeyResponse.From,
            http.RequestAborted);
        return Results.Json(new ListResponse<ApiKeyResponse>(page.Items, page.Continuation), ApiJson.Options);
    }

    /// <summary>Admins: revokes anyone's key.</summary>
    public static async Task<IResult> Revoke(string id, HttpContext http, CurrentUser user, ApiKeyStore store, ApiKeyIssuer issuer)
    {
        user.RequireAdmin();
        var key = await store.GetAsync(id, http.RequestAborted) ?? throw NotFound();
        await issuer.RevokeAsync(key, user.Id, http.RequestAborted);
        return Results.NoContent();
    }

    private static List<string> ReadScope(Validation validation, string?[]? names)
    {
        var scope = new List<string>();
        if (names is null) return scope;
        if (names.Length > MaxScopedDeployments)
        {
            validation.Add("deployments", $"At most {MaxScopedDeployments} deployments.");
            return scope;
        }
        for (var i = 0; i < names.Length; i++)
        {
            var name = names[i];
            if (!DeploymentCatalog.IsValidName(name))
                validation.Add($"deployments[{i}]", "A deployment name: 1 to 63 of a-z, 0-9 and '-', not starting or ending with '-'.");
            else if (!scope.Contains(name!, StringComparer.Ordinal))
                scope.Add(name!);
        }
        return scope;
    }

    /// <summary>
    /// Each named deployment must be one the caller may invoke now, decided exactly as the proxy decides a key
    /// call. One that does not exist is refused the same way, so the answer does not reveal which names exist.
    /// </summary>
    private static async Task RequireInvocableAsync(SignIn signIn, IReadOnlyList<string> scope, SettingsStore settings, ModelCatalog models,
        DeploymentCatalog deployments, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (current, _) = await settings.GetAsync(cancellationToken);
        var refused = new List<string>();
        foreach (var name in scope)
        {
            var deployment = await deployments.GetAsync(name, cancellationToken);
            if (deployment is null)
            {
                refused.Add(name);
                continue;
            }
            var group = await models.GetGroupAsync(deployment.ModelGroupId, cancellationToken);
            var grants = await deployments.GetGrantsAsync(name, cancellationToken);
            if (InvokePermission.Decide(signIn, grants, group, current, now) != InvokeDenial.None) refused.Add(name);
        }
        if (refused.Count > 0)
            throw new ApiProblem(400, "key_scope", "The request is not valid.",
                "A key can only be scoped to deployments you may invoke now; these are not.",
                new Dictionary<string, string[]> { ["deployments"] = [.. refused] });
    }

    private static ApiProblem NotFound() => ApiProblem.NotFound("api_key_not_found", "No API key of yours has this id.");
}
