using ModelGate.Identity;
using ModelGate.Problems;

namespace ModelGate.ModelGroups;

/// <summary>
/// OpenSearch's model access control rules, as pure decisions over a group and a caller. Backend roles are
/// the caller's groups, matched ordinally (exact, case-sensitive).
/// </summary>
public static class ModelGroupAccess
{
    /// <summary>Public: everyone with a role. Private: owner. Restricted: owner and holders of a backend role. Admins: all.</summary>
    public static bool CanSee(ModelGroup group, CurrentUser user, bool accessControlEnabled)
    {
        if (user.IsExternal) return false;
        if (user.IsAdmin || !accessControlEnabled || group.AccessMode == AccessMode.Public || IsOwner(group, user)) return true;
        if (group.AccessMode != AccessMode.Restricted) return false;
        foreach (var role in group.BackendRoles)
            if (user.HoldsGroup(role)) return true;
        return false;
    }

    public static bool IsOwner(ModelGroup group, CurrentUser user) => string.Equals(group.Owner.Id, user.Id, StringComparison.Ordinal);

    public static void RequireVisible(ModelGroup group, CurrentUser user, bool accessControlEnabled)
    {
        if (!CanSee(group, user, accessControlEnabled))
            throw ApiProblem.Forbidden("model_group_forbidden", "You have no access to this model group.");
    }

    public static void RequireOwnerOrAdmin(ModelGroup group, CurrentUser user)
    {
        if (!user.IsAdmin && !IsOwner(group, user))
            throw ApiProblem.Forbidden("owner_or_admin_only", "Only the model group's owner or an admin may do this.");
    }

    /// <summary>The access fields a create or update asks for; null means "not given".</summary>
    public sealed record AccessRequest(string? AccessMode, IReadOnlyList<string>? BackendRoles, bool? AddAllBackendRoles)
    {
        public bool IsEmpty => AccessMode is null && BackendRoles is null && AddAllBackendRoles is null;
    }

    /// <summary>
    /// Decides the access mode and backend roles that result from a request, applying every OpenSearch rule,
    /// each with its own error code. <paramref name="current"/> is null on create.
    /// </summary>
    public static (AccessMode Mode, IReadOnlyList<string> BackendRoles) Decide(AccessRequest request, CurrentUser user,
        bool accessControlEnabled, ModelGroup? current)
    {
        if (request.IsEmpty) return current is null ? (AccessMode.Private, []) : (current.AccessMode, current.BackendRoles);

        if (!accessControlEnabled)
            throw ApiProblem.BadRequest("access_control_disabled",
                "Model access control is disabled: access_mode, backend_roles and add_all_backend_roles cannot be set.");

        AccessMode? mode = null;
        if (request.AccessMode is not null)
        {
            mode = request.AccessMode switch
            {
                "public" => AccessMode.Public,
                "private" => AccessMode.Private,
                "restricted" => AccessMode.Restricted,
                _ => throw ApiProblem.Validation("access_mode", "One of public, private, restricted."),
            };
        }

        var roles = request.BackendRoles;
        var addAll = request.AddAllBackendRoles == true;
        var givesRoles = roles is { Count: > 0 } || addAll;
        if (roles is not null && addAll)
            throw ApiProblem.BadRequest("backend_roles_conflict", "Give backend_roles or add_all_backend_roles, not both.");

        // As in OpenSearch, roles without a mode imply restricted.
        var newMode = mode ?? (givesRoles ? AccessMode.Restricted : current?.AccessMode ?? AccessMode.Private);
        if (newMode != AccessMode.Restricted && givesRoles)
            throw ApiProblem.BadRequest("backend_roles_require_restricted", "Backend roles can be given only with access_mode restricted.");
        if (addAll && user.IsAdmin)
            throw ApiProblem.BadRequest("admin_cannot_add_all_backend_roles",
                "Admins hold no backend roles of their own to add; list backend_roles explicitly.");
        if (newMode != AccessMode.Restricted) return (newMode, []);

        IReadOnlyList<string> newRoles;
        if (addAll)
        {
            newRoles = user.Groups;
            if (newRoles.Count == 0)
                throw ApiProblem.BadRequest("restricted_requires_backend_roles", "You hold no backend roles to add.");
        }
        else if (roles is not null)
        {
            if (roles.Count == 0)
                throw ApiProblem.BadRequest("restricted_requires_backend_roles", "A restricted model group needs at least one backend role.");
            newRoles = roles;
        }
        else if (current?.AccessMode == AccessMode.Restricted)
        {
            newRoles = current.BackendRoles;
        }
        else
        {
            throw ApiProblem.BadRequest("restricted_requires_backend_roles",
                "A restricted model group needs backend_roles or add_all_backend_roles.");
        }

        if (!user.IsAdmin && roles is not null)
        {
            var notHeld = roles.Where(r => !user.HoldsGroup(r)).ToArray();
            if (notHeld.Length > 0)
                throw new ApiProblem(400, "backend_role_not_held", "The request is not valid.",
                    "You can only share a model group with backend roles you hold.",
                    new Dictionary<string, string[]> { ["backend_roles"] = notHeld.Select(r => $"You do not hold '{r}'.").ToArray() });
        }
        return (AccessMode.Restricted, newRoles);
    }
}
