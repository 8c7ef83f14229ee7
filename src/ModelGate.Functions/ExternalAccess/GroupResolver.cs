using ModelGate.Directory;
using ModelGate.Identity;
using ModelGate.Problems;

namespace ModelGate.ExternalAccess;

/// <summary>
/// The groups of a person signing in: the token's groups claim, or — when the token has more than 200
/// groups and carries an overage marker instead — the directory's answer (transitive, so nested groups count).
/// </summary>
public sealed class GroupResolver(EntraDirectory directory)
{
    public async Task<IReadOnlyList<string>> GroupsOfAsync(CurrentUser user, CancellationToken cancellationToken)
    {
        if (!user.GroupsOverage) return user.Groups;
        // Without Graph the groups are unknown; signing in with none would silently drop grants, so refuse.
        if (!directory.IsEnabled) throw ApiProblem.DependencyUnavailable("Microsoft Graph (disabled, but the token has a groups overage)");
        return await directory.GetTransitiveGroupIdsAsync(user.ObjectId, cancellationToken);
    }
}
