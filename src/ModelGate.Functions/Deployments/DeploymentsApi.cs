using Microsoft.Extensions.Options;
using ModelGate.Hosting;
using ModelGate.Identity;
using ModelGate.ModelGroups;
using ModelGate.Problems;
using ModelGate.Settings;
using static ModelGate.ModelGroups.ModelGroupsApi;

namespace ModelGate.Deployments;

/// <summary>/api/deployments: deployments of models, and the external groups granted to invoke them.</summary>
public static class DeploymentsApi
{
    public sealed record UpstreamAuthBody(string? Type, string? HeaderName, string? SecretName, string? Scope);

    public sealed record CreateDeploymentRequest(string? Name, string? ModelId, string? Kind, string? UpstreamUrl,
        string? Description, decimal? PricePerCall, int? RequestsPerMinute, long? MonthlyCallQuotaPerUser, UpstreamAuthBody? UpstreamAuth);

    /// <summary>Limits: 0 removes a limit (null leaves it as it is).</summary>
    public sealed record UpdateDeploymentRequest(string? Kind, string? UpstreamUrl, string? Description, decimal? PricePerCall,
        int? RequestsPerMinute, long? MonthlyCallQuotaPerUser, UpstreamAuthBody? UpstreamAuth);

    public sealed record UpstreamAuthResponse(string Type, string? HeaderName, string? SecretName, string? Scope);

    public sealed record DeploymentResponse(string Name, string ModelId, string ModelGroupId, DeploymentKind Kind, string UpstreamUrl,
        string? Description, decimal PricePerCall, int? RequestsPerMinute, long? MonthlyCallQuotaPerUser, UpstreamAuthResponse UpstreamAuth,
        string Host, string Uri, OwnerResponse CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
    {
        public static DeploymentResponse From(Deployment d, GatewayOptions gateway) => new(d.Name, d.ModelId, d.ModelGroupId, d.Kind,
            d.UpstreamUrl.AbsoluteUri, d.Description, d.PricePerCall, d.RequestsPerMinute, d.MonthlyCallQuotaPerUser,
            new UpstreamAuthResponse(AuthTypeName(d.UpstreamAuth.Type), d.UpstreamAuth.HeaderName, d.UpstreamAuth.SecretName, d.UpstreamAuth.Scope),
            gateway.HostFor(d.Name), gateway.UriFor(d.Name), new OwnerResponse(d.CreatedBy.Id, d.CreatedBy.Name), d.CreatedAt, d.UpdatedAt);
    }

    private static string AuthTypeName(UpstreamAuthType type) => type switch
    {
        UpstreamAuthType.Header => "header",
        UpstreamAuthType.ManagedIdentity => "managed_identity",
        _ => "none",
    };

    public sealed record ReplaceGrantsRequest(string?[]? Groups);

    public sealed record ChangeGrantsRequest(string?[]? Add, string?[]? Remove);

    public sealed record GrantsResponse(IReadOnlyList<string> Groups, string Etag);

    public const int MaxGrantedGroups = 500;

    public static RouteGroupBuilder MapDeploymentsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/deployments").RequireAuthorization().WithTags("Deployments");
        group.MapPost("", Create).Accepts<CreateDeploymentRequest>("application/json").Produces<DeploymentResponse>(201);
        group.MapGet("", List).Produces<ListResponse<DeploymentResponse>>();
        group.MapGet("{name}", Get).Produces<DeploymentResponse>();
        group.MapPatch("{name}", Update).Accepts<UpdateDeploymentRequest>("application/json").Produces<DeploymentResponse>();
        group.MapDelete("{name}", Delete).Produces(204);
        group.MapGet("{name}/external-access", GetGrants).Produces<GrantsResponse>();
        group.MapPut("{name}/external-access", ReplaceGrants).Accepts<ReplaceGrantsRequest>("application/json").Produces<GrantsResponse>();
        group.MapPatch("{name}/external-access", ChangeGrants).Accepts<ChangeGrantsRequest>("application/json").Produces<GrantsResponse>();
        return group;
    }

    public static async Task<IResult> Create(HttpContext http, CurrentUser user, ModelCatalog models, DeploymentCatalog deployments,
        SettingsStore settings, IOptions<GatewayOptions> gateway)
    {
        user.RequireFullAccess();
        var body = await RequestBody.ReadAsync<CreateDeploymentRequest>(http);
        var validation = new Validation();
        if (!DeploymentCatalog.IsValidName(body.Name))
            validation.Add("name", "A DNS label: 1 to 63 of a-z, 0-9 and '-', not starting or ending with '-'.");
        if (string.IsNullOrEmpty(body.ModelId)) validation.Add("model_id", "Required.");
        var kind = ParseKind(validation, body.Kind, required: true);
        var upstream = ParseUpstream(validation, body.UpstreamUrl, required: true);
        var description = validation.FreeText("description", body.Description);
        var price = ParsePrice(validation, body.PricePerCall);
        var limits = ParseLimits(validation, body.RequestsPerMinute, body.MonthlyCallQuotaPerUser);
        var auth = ParseUpstreamAuth(validation, body.UpstreamAuth);
        validation.ThrowIfAny();

        var (current, _) = await settings.GetAsync(http.RequestAborted);
        var created = await ETags.RetryOnConflictAsync(null, async () =>
        {
            var model = await models.GetModelAsync(body.ModelId!, http.RequestAborted);
            if (model is null || (model.Hidden && !user.IsSuperAdmin))
                throw ApiProblem.NotFound("model_not_found", "No model has this id.");
            var group = await ModelGroupsApi.FindVisibleAsync(model.ModelGroupId, user, models, current.ModelAccessControlEnabled, http.RequestAborted);
            RequireManager(group, user, current);
            var now = DateTimeOffset.UtcNow;
            return await deployments.CreateAsync(model, new Deployment(body.Name!, model.Id, group.Id, model.Hidden, kind!.Value, upstream!,
                description, price ?? 0m, new Owner(user.Id, user.Name), now, now)
            {
                RequestsPerMinute = NullIfZero(limits.RequestsPerMinute),
                MonthlyCallQuotaPerUser = NullIfZero(limits.MonthlyQuota),
                UpstreamAuth = auth ?? UpstreamAuth.None,
            }, http.RequestAborted);
        });
        ETags.Set(http.Response, created.ETag);
        return Results.Json(DeploymentResponse.From(created, gateway.Value), ApiJson.Options, statusCode: 201);
    }

    public static async Task<IResult> List(HttpContext http, CurrentUser user, ModelCatalog models, DeploymentCatalog deployments,
        SettingsStore settings, IOptions<GatewayOptions> gateway)
    {
        user.RequireRead();
        var paging = Paging.From(http.Request);
        var (current, _) = await settings.GetAsync(http.RequestAborted);
        var groups = new Dictionary<string, ModelGroup?>(StringComparer.Ordinal);
        var visible = deployments.ListAsync(paging.After, http.RequestAborted).Where(async (Deployment d, CancellationToken ct) =>
        {
            if (d.ModelHidden && !user.IsSuperAdmin) return false;
            if (!groups.TryGetValue(d.ModelGroupId, out var group))
                groups[d.ModelGroupId] = group = await models.GetGroupAsync(d.ModelGroupId, ct);
            return group is not null && ModelGroupAccess.CanSee(group, user, current.ModelAccessControlEnabled);
        });
        var page = await paging.TakeAsync(visible, d => d.Name, d => DeploymentResponse.From(d, gateway.Value), http.RequestAborted);
        return Results.Json(new ListResponse<DeploymentResponse>(page.Items, page.Continuation), ApiJson.Options);
    }

    public static async Task<IResult> Get(string name, HttpContext http, CurrentUser user, ModelCatalog models, DeploymentCatalog deployments,
        SettingsStore settings, IOptions<GatewayOptions> gateway)
    {
        user.RequireRead();
        var (current, _) = await settings.GetAsync(http.RequestAborted);
        var (deployment, _) = await FindVisibleAsync(name, user, models, deployments, current, http.RequestAborted);
        ETags.Set(http.Response, deployment.ETag);
        return Results.Json(DeploymentResponse.From(deployment, gateway.Value), ApiJson.Options);
    }

    /// <summary>Kind, upstream, description and price change; the name (its host) and the model do not: deploy anew for those.</summary>
    public static async Task<IResult> Update(string name, HttpContext http, CurrentUser user, ModelCatalog models, DeploymentCatalog deployments,
        SettingsStore settings, IOptions<GatewayOptions> gateway)
    {
        user.RequireFullAccess();
        var body = await RequestBody.ReadAsync<UpdateDeploymentRequest>(http);
        var validation = new Validation();
        var kind = ParseKind(validation, body.Kind, required: false);
        var upstream = ParseUpstream(validation, body.UpstreamUrl, required: false);
        var description = validation.FreeText("description", body.Description);
        var price = ParsePrice(validation, body.PricePerCall);
        var limits = ParseLimits(validation, body.RequestsPerMinute, body.MonthlyCallQuotaPerUser);
        var auth = ParseUpstreamAuth(validation, body.UpstreamAuth);
        validation.ThrowIfAny();

        var ifMatch = ETags.IfMatch(http.Request);
        var (current, _) = await settings.GetAsync(http.RequestAborted);
        var updated = await ETags.RetryOnConflictAsync(ifMatch, async () =>
        {
            var (deployment, group) = await FindVisibleAsync(name, user, models, deployments, current, http.RequestAborted);
            RequireManager(group, user, current);
            var changed = deployment with
            {
                Kind = kind ?? deployment.Kind,
                UpstreamUrl = upstream ?? deployment.UpstreamUrl,
                Description = description ?? deployment.Description,
                PricePerCall = price ?? deployment.PricePerCall,
                RequestsPerMinute = limits.RequestsPerMinute is null ? deployment.RequestsPerMinute : NullIfZero(limits.RequestsPerMinute),
                MonthlyCallQuotaPerUser = limits.MonthlyQuota is null ? deployment.MonthlyCallQuotaPerUser : NullIfZero(limits.MonthlyQuota),
                UpstreamAuth = auth ?? deployment.UpstreamAuth,
                UpdatedAt = DateTimeOffset.UtcNow,
            };
            return await deployments.ReplaceAsync(changed, ifMatch ?? deployment.ETag, http.RequestAborted);
        });
        http.RequestServices.GetRequiredService<Invoke.InvokeCatalog>().ForgetDeployment(name);
        ETags.Set(http.Response, updated.ETag);
        return Results.Json(DeploymentResponse.From(updated, gateway.Value), ApiJson.Options);
    }

    public static async Task<IResult> Delete(string name, HttpContext http, CurrentUser user, ModelCatalog models, DeploymentCatalog deployments,
        SettingsStore settings)
    {
        user.RequireFullAccess();
        var ifMatch = ETags.IfMatch(http.Request);
        var (current, _) = await settings.GetAsync(http.RequestAborted);
        await ETags.RetryOnConflictAsync(ifMatch, async () =>
        {
            var (deployment, group) = await FindVisibleAsync(name, user, models, deployments, current, http.RequestAborted);
            RequireManager(group, user, current);
            var model = await models.GetModelAsync(deployment.ModelId, http.RequestAborted)
                ?? throw new InvalidOperationException($"Deployment {deployment.Name} names a model that does not exist.");
            await deployments.DeleteAsync(model, deployment, ifMatch ?? deployment.ETag, http.RequestAborted);
            return true;
        });
        http.RequestServices.GetRequiredService<Invoke.InvokeCatalog>().ForgetDeployment(name);
        return Results.NoContent();
    }

    public static async Task<IResult> GetGrants(string name, HttpContext http, CurrentUser user, ModelCatalog models,
        DeploymentCatalog deployments, SettingsStore settings)
    {
        user.RequireRead();
        var (current, _) = await settings.GetAsync(http.RequestAborted);
        await FindVisibleAsync(name, user, models, deployments, current, http.RequestAborted);
        var grants = await deployments.GetGrantsAsync(name, http.RequestAborted);
        return GrantsResult(http, grants);
    }

    /// <summary>Replaces the granted groups. Honours If-Match; without it the last writer wins (it said "replace").</summary>
    public static async Task<IResult> ReplaceGrants(string name, HttpContext http, CurrentUser user, ModelCatalog models,
        DeploymentCatalog deployments, SettingsStore settings)
    {
        user.RequireFullAccess();
        var body = await RequestBody.ReadAsync<ReplaceGrantsRequest>(http);
        var validation = new Validation();
        if (body.Groups is null) validation.Add("groups", "Required.");
        var groups = validation.Identifiers("groups", body.Groups, maxCount: MaxGrantedGroups);
        validation.ThrowIfAny();

        return await WriteGrantsAsync(name, http, user, models, deployments, settings, _ => groups!);
    }

    /// <summary>Adds and removes groups against the current set, retried on conflict, so concurrent changes all land.</summary>
    public static async Task<IResult> ChangeGrants(string name, HttpContext http, CurrentUser user, ModelCatalog models,
        DeploymentCatalog deployments, SettingsStore settings)
    {
        user.RequireFullAccess();
        var body = await RequestBody.ReadAsync<ChangeGrantsRequest>(http);
        var validation = new Validation();
        var add = validation.Identifiers("add", body.Add, maxCount: MaxGrantedGroups) ?? [];
        var remove = validation.Identifiers("remove", body.Remove, maxCount: MaxGrantedGroups) ?? [];
        if (add.Intersect(remove, StringComparer.Ordinal).Any()) validation.Add("remove", "A group cannot be added and removed at once.");
        validation.ThrowIfAny();

        return await WriteGrantsAsync(name, http, user, models, deployments, settings, existing =>
        {
            var groups = existing.Where(g => !remove.Contains(g, StringComparer.Ordinal)).ToList();
            foreach (var g in add)
                if (!groups.Contains(g, StringComparer.Ordinal)) groups.Add(g);
            if (groups.Count > MaxGrantedGroups)
                throw ApiProblem.Validation("add", $"A deployment can grant at most {MaxGrantedGroups} groups.");
            return groups;
        });
    }

    /// <summary>
    /// Read-modify-write of a deployment's grants by a manager: with If-Match a conflict is the caller's (412),
    /// without it the change is applied again to a fresh read. The proxy on this instance sees it at once.
    /// </summary>
    private static async Task<IResult> WriteGrantsAsync(string name, HttpContext http, CurrentUser user, ModelCatalog models,
        DeploymentCatalog deployments, SettingsStore settings, Func<IReadOnlyList<string>, IReadOnlyList<string>> change)
    {
        var ifMatch = ETags.IfMatch(http.Request);
        var grants = await ETags.RetryOnConflictAsync(ifMatch, async () =>
        {
            var (current, _) = await settings.GetAsync(http.RequestAborted);
            var (_, group) = await FindVisibleAsync(name, user, models, deployments, current, http.RequestAborted);
            RequireManager(group, user, current);
            var existing = await deployments.GetGrantsAsync(name, http.RequestAborted);
            return await deployments.ReplaceGrantsAsync(existing with { Groups = change(existing.Groups) }, ifMatch ?? existing.ETag, http.RequestAborted);
        });
        http.RequestServices.GetRequiredService<Invoke.InvokeCatalog>().ForgetDeployment(name);
        return GrantsResult(http, grants);
    }

    private static IResult GrantsResult(HttpContext http, ExternalGrants grants)
    {
        ETags.Set(http.Response, grants.ETag);
        return Results.Json(new GrantsResponse(grants.Groups, grants.ETag.ToString("H")), ApiJson.Options);
    }

    /// <summary>Managers: the model group's owner, FullAccess users with access to the group, admins.</summary>
    private static void RequireManager(ModelGroup group, CurrentUser user, GatewaySettings settings)
    {
        if (user.IsAdmin || ModelGroupAccess.IsOwner(group, user)) return;
        if (user.HasFullAccess && ModelGroupAccess.CanSee(group, user, settings.ModelAccessControlEnabled)) return;
        throw ApiProblem.Forbidden("insufficient_role", "Managing this deployment needs FullAccess with access to its model group, or Admin.");
    }

    /// <summary>404 for unknown deployments and for hidden models' deployments unless SuperAdmin; 403 without access to the group.</summary>
    private static async Task<(Deployment, ModelGroup)> FindVisibleAsync(string name, CurrentUser user, ModelCatalog models,
        DeploymentCatalog deployments, GatewaySettings settings, CancellationToken cancellationToken)
    {
        var deployment = await deployments.GetAsync(name, cancellationToken);
        if (deployment is null || (deployment.ModelHidden && !user.IsSuperAdmin))
            throw ApiProblem.NotFound("deployment_not_found", "No deployment has this name.");
        var group = await ModelGroupsApi.FindVisibleAsync(deployment.ModelGroupId, user, models, settings.ModelAccessControlEnabled, cancellationToken);
        return (deployment, group);
    }

    private static DeploymentKind? ParseKind(Validation validation, string? kind, bool required)
    {
        switch (kind)
        {
            case "chat": return DeploymentKind.Chat;
            case "predict": return DeploymentKind.Predict;
            case null when !required: return null;
            default:
                validation.Add("kind", "One of chat, predict.");
                return null;
        }
    }

    /// <summary>Absolute http(s) without credentials or fragment: a URL with user:password would show them to every reader.</summary>
    private static Uri? ParseUpstream(Validation validation, string? value, bool required)
    {
        if (value is null)
        {
            if (required) validation.Add("upstream_url", "Required.");
            return null;
        }
        if (value.Length > 2048 || !Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || uri.UserInfo.Length > 0 || uri.Fragment.Length > 0 || uri.Host.Length == 0)
        {
            validation.Add("upstream_url", "An absolute http(s) URL without credentials or fragment.");
            return null;
        }
        return uri;
    }

    private static int? NullIfZero(int? value) => value is 0 ? null : value;
    private static long? NullIfZero(long? value) => value is 0 ? null : value;

    private static (int? RequestsPerMinute, long? MonthlyQuota) ParseLimits(Validation validation, int? rpm, long? quota)
    {
        if (rpm is < 0 or > 1_000_000) validation.Add("requests_per_minute", "0 (no limit) to 1,000,000.");
        if (quota is < 0 or > 1_000_000_000_000) validation.Add("monthly_call_quota_per_user", "0 (no quota) to 10^12.");
        return (rpm, quota);
    }

    /// <summary>Upstream credentials are referenced, never stored here: a header's value is a Key Vault secret's name.</summary>
    private static UpstreamAuth? ParseUpstreamAuth(Validation validation, UpstreamAuthBody? body)
    {
        if (body is null) return null;
        switch (body.Type)
        {
            case "none" when body.HeaderName is null && body.SecretName is null && body.Scope is null:
                return UpstreamAuth.None;
            case "header":
                var headerOk = body.HeaderName is { Length: > 0 and <= 100 } h && h.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
                    && !h.Equals("Host", StringComparison.OrdinalIgnoreCase);
                var secretOk = body.SecretName is { Length: > 0 and <= 127 } n && n.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');
                if (!headerOk) validation.Add("upstream_auth.header_name", "A header name: letters, digits and '-'.");
                if (!secretOk) validation.Add("upstream_auth.secret_name", "A Key Vault secret name: 1..127 of letters, digits and '-'.");
                if (body.Scope is not null) validation.Add("upstream_auth.scope", "Only for managed_identity.");
                return headerOk && secretOk ? new UpstreamAuth(UpstreamAuthType.Header, body.HeaderName, body.SecretName) : null;
            case "managed_identity":
                var scopeOk = body.Scope is { Length: > 0 and <= 300 } s && Uri.TryCreate(s, UriKind.Absolute, out _);
                if (!scopeOk) validation.Add("upstream_auth.scope", "An absolute scope such as https://cognitiveservices.azure.com/.default.");
                if (body.HeaderName is not null || body.SecretName is not null) validation.Add("upstream_auth", "Only scope goes with managed_identity.");
                return scopeOk ? new UpstreamAuth(UpstreamAuthType.ManagedIdentity, Scope: body.Scope) : null;
            default:
                validation.Add("upstream_auth.type", "One of none, header, managed_identity (with only its own fields).");
                return null;
        }
    }

    private static decimal? ParsePrice(Validation validation, decimal? price)
    {
        if (price is null) return null;
        if (price < 0 || price > 1_000_000 || decimal.Round(price.Value, 6) != price)
        {
            validation.Add("price_per_call", "From 0 to 1,000,000 with at most 6 decimals.");
            return null;
        }
        return price;
    }
}
