using Microsoft.Extensions.Options;
using ModelGate.Deployments;
using ModelGate.Identity;
using ModelGate.ModelGroups;
using ModelGate.Problems;
using ModelGate.Settings;

namespace ModelGate.ExternalAccess;

/// <summary>/api/me: the signed-in person's record and the deployments they may invoke.</summary>
public static class MeApi
{
    public sealed record MeResponse(string Id, string Name, IReadOnlyList<string> Groups, IReadOnlyList<string> Roles,
        DateTimeOffset? LastLoginAt, DateTimeOffset? LoginRequiredBy, bool ExternalAccessEnabled);

    public sealed record DeploymentCard(string Name, DeploymentKind Kind, string? Model, string Host, string Uri,
        IReadOnlyDictionary<string, string> Snippets);

    public sealed record CardsResponse(IReadOnlyList<DeploymentCard> Items, string? Continuation);

    public static RouteGroupBuilder MapMeApi(this IEndpointRouteBuilder routes)
    {
        var me = routes.MapGroup("/api/me").RequireAuthorization().WithTags("Signed-in user");
        me.MapPost("login", Login).Produces<MeResponse>();
        me.MapGet("", Get).Produces<MeResponse>();
        me.MapGet("deployments", Deployments).Produces<CardsResponse>();
        return me;
    }

    /// <summary>Records a sign-in: name, groups and roles as the token states them, and the time.</summary>
    public static async Task<IResult> Login(HttpContext http, CurrentUser user, SignIns signIns, SettingsStore settings, GroupResolver groups,
        Invoke.InvokeCatalog invokeCatalog, TimeProvider clock)
    {
        var signIn = new SignIn(user.TenantId, user.ObjectId, user.Name, await groups.GroupsOfAsync(user, http.RequestAborted),
            user.Roles.Order(StringComparer.Ordinal).ToArray(), clock.GetUtcNow(), user.GroupsOverage ? "graph" : "token");
        await signIns.SaveAsync(signIn, http.RequestAborted);
        invokeCatalog.ForgetSignIn(signIn.UserId);
        var (current, _) = await settings.GetAsync(http.RequestAborted);
        return Results.Json(Describe(signIn, current), ApiJson.Options);
    }

    public static async Task<IResult> Get(HttpContext http, CurrentUser user, SignIns signIns, SettingsStore settings)
    {
        var (current, _) = await settings.GetAsync(http.RequestAborted);
        var signIn = await signIns.GetAsync(user.TenantId, user.ObjectId, http.RequestAborted);
        return Results.Json(signIn is null
            ? new MeResponse(user.Id, user.Name, user.Groups, user.Roles.Order(StringComparer.Ordinal).ToArray(), null, null, current.ExternalAccessEnabled)
            : Describe(signIn, current), ApiJson.Options);
    }

    /// <summary>
    /// Exactly the deployments the proxy would let this person invoke, decided on their sign-in record
    /// (what a key call is decided on). Never signed in, or the window passed: 403 login_required.
    /// </summary>
    public static async Task<IResult> Deployments(HttpContext http, CurrentUser user, SignIns signIns, SettingsStore settings,
        ModelCatalog models, DeploymentCatalog deployments, IOptions<GatewayOptions> gateway, TimeProvider clock)
    {
        var (current, _) = await settings.GetAsync(http.RequestAborted);
        var signIn = await signIns.GetAsync(user.TenantId, user.ObjectId, http.RequestAborted)
            ?? throw ApiProblem.Forbidden("login_required", "Sign in first: POST /api/me/login records your groups.");
        var now = clock.GetUtcNow();
        if (signIn.AsCaller().IsExternal)
        {
            if (!current.ExternalAccessEnabled) return Results.Json(new CardsResponse([], null), ApiJson.Options);
            if (InvokePermission.LoginRequiredBy(signIn.LastLoginAt, current) < now)
                throw ApiProblem.Forbidden("login_required", "Your last sign-in is older than the re-login window; sign in again.");
        }

        var cards = new List<DeploymentCard>();
        var groups = new Dictionary<string, ModelGroup?>(StringComparer.Ordinal);
        await foreach (var deployment in deployments.ListAsync(null, http.RequestAborted))
        {
            if (!groups.TryGetValue(deployment.ModelGroupId, out var group))
                groups[deployment.ModelGroupId] = group = await models.GetGroupAsync(deployment.ModelGroupId, http.RequestAborted);
            var grants = await deployments.GetGrantsAsync(deployment.Name, http.RequestAborted);
            if (InvokePermission.Decide(signIn, grants, group, current, now) != InvokeDenial.None) continue;
            var uri = gateway.Value.UriFor(deployment.Name);
            cards.Add(new DeploymentCard(deployment.Name, deployment.Kind, deployment.ModelHidden ? null : deployment.ModelId,
                gateway.Value.HostFor(deployment.Name), uri, Snippets.For(deployment, uri)));
        }
        return Results.Json(new CardsResponse(cards, null), ApiJson.Options);
    }

    private static MeResponse Describe(SignIn signIn, GatewaySettings settings) => new(signIn.UserId, signIn.Name, signIn.Groups,
        signIn.Roles, signIn.LastLoginAt, InvokePermission.LoginRequiredBy(signIn.LastLoginAt, settings), settings.ExternalAccessEnabled);
}
