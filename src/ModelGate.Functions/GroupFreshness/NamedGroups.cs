using ModelGate.Deployments;
using ModelGate.ModelGroups;
using ModelGate.Problems;

namespace ModelGate.GroupFreshness;

/// <summary>
/// The groups whose membership decides anything: every group a deployment grant names and every backend role of a
/// model group. Only these are written into sign-in records; groups nested in them are followed, not recorded.
/// </summary>
public sealed class NamedGroups(DeploymentCatalog deployments, ModelCatalog models, ILogger<NamedGroups> logger)
{
    public async Task<HashSet<string>> LoadAsync(CancellationToken cancellationToken)
    {
        var named = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var grants in deployments.ListGrantsAsync(cancellationToken)) named.UnionWith(grants.Groups);
        await foreach (var group in models.ListGroupsAsync(null, cancellationToken)) named.UnionWith(group.BackendRoles);

        // Entra object ids are GUIDs; a name that cannot be a Table key (or holds the '|' edge rows use) cannot be one
        // either, and no directory member ever matches it, so there is nothing to refresh.
        var unusable = named.Where(id => !Text.IsKeySafe(id)).ToList();
        if (unusable.Count > 0)
        {
            logger.LogWarning("{Count} granted group ids cannot be Entra object ids and are not refreshed from the directory", unusable.Count);
            named.ExceptWith(unusable);
        }
        return named;
    }
}
