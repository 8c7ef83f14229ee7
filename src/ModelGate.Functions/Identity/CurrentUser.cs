using System.Security.Claims;
using System.Text.Json;
using ModelGate.Problems;

namespace ModelGate.Identity;

/// <summary>
/// The caller of a management or portal request, built once per request from the validated token.
/// Users are keyed by tenant + object id, never by names, which can change and repeat.
/// </summary>
public sealed class CurrentUser
{
    public required string TenantId { get; init; }
    public required string ObjectId { get; init; }
    public required string Name { get; init; }

    /// <summary>Group object ids from the token; compared ordinally and case-sensitively.</summary>
    public required IReadOnlyList<string> Groups { get; init; }

    /// <summary>True when the token had too many groups and named a Graph source instead (overage).</summary>
    public bool GroupsOverage { get; init; }

    public required IReadOnlySet<string> Roles { get; init; }

    /// <summary>Stable user key: "tenant:object". Both parts are key-safe (checked when built).</summary>
    public string Id => TenantId + ":" + ObjectId;

    public bool IsSuperAdmin => Roles.Contains(Identity.Roles.SuperAdmin);
    public bool IsAdmin => IsSuperAdmin || Roles.Contains(Identity.Roles.Admin);

    /// <summary>May create and change model groups, models and deployments it can access.</summary>
    public bool HasFullAccess => IsAdmin || Roles.Contains(Identity.Roles.FullAccess);

    /// <summary>May read the model groups and models it can access.</summary>
    public bool CanRead => HasFullAccess || Roles.Contains(Identity.Roles.ReadOnly);

    /// <summary>No ModelGate role: may only use /api/me and invoke what is granted.</summary>
    public bool IsExternal => !CanRead;

    public bool HoldsGroup(string group)
    {
        foreach (var g in Groups)
            if (string.Equals(g, group, StringComparison.Ordinal)) return true;
        return false;
    }

    public void RequireRead()
    {
        if (!CanRead) throw ApiProblem.Forbidden("insufficient_role",
            "This needs one of the roles ModelGate.ReadOnly, ModelGate.FullAccess or ModelGate.Admin.");
    }

    public void RequireFullAccess()
    {
        if (!HasFullAccess) throw ApiProblem.Forbidden("insufficient_role",
            "This needs the role ModelGate.FullAccess or ModelGate.Admin.");
    }

    public void RequireAdmin()
    {
        if (!IsAdmin) throw ApiProblem.Forbidden("admin_only", "This needs the role ModelGate.Admin.");
    }

    /// <summary>Reads the claims of a validated token (claim names as issued: inbound mapping is off).</summary>
    public static CurrentUser FromPrincipal(ClaimsPrincipal principal)
    {
        var tid = principal.FindFirst("tid")?.Value;
        var oid = principal.FindFirst("oid")?.Value;
        if (!Text.IsKeySafe(tid) || !Text.IsKeySafe(oid))
            throw new ApiProblem(401, "unauthenticated", "Authentication required.",
                "The token must carry tid and oid claims.");

        var overage = principal.FindFirst("_claim_names")?.Value is { } names && NamesGroups(names);
        return new CurrentUser
        {
            TenantId = tid!,
            ObjectId = oid!,
            Name = principal.FindFirst("name")?.Value ?? principal.FindFirst("preferred_username")?.Value ?? oid!,
            Groups = principal.FindAll("groups").Select(c => c.Value).Distinct(StringComparer.Ordinal).ToArray(),
            GroupsOverage = overage,
            Roles = principal.FindAll("roles").Select(c => c.Value).ToHashSet(StringComparer.Ordinal),
        };
    }

    private static bool NamesGroups(string claimNames)
    {
        try
        {
            using var doc = JsonDocument.Parse(claimNames);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("groups", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
