using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.Graph;
using Microsoft.Graph.Groups.Delta;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Graph.Users.Item.CheckMemberGroups;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Serialization;

namespace ModelGate.Directory;

/// <summary>
/// The company's Entra ID directory as ModelGate reads it through Microsoft Graph: the groups a user is in (for
/// sign-ins whose token carries a groups overage), membership checks for many users at once, and group deltas that
/// keep stored memberships fresh. Failures to reach Graph surface as the SDK's <see cref="ApiException"/> (or the
/// retry handler's <see cref="AggregateException"/> of them), which the app answers with 503.
/// </summary>
public sealed class EntraDirectory(GraphServiceClient graph, IOptions<GraphOptions> options)
{
    /// <summary>Graph's limit on group ids in one delta <c>$filter</c>.</summary>
    public const int MaxGroupsPerDelta = 50;

    /// <summary>Graph's limit on group ids per <c>checkMemberGroups</c>.</summary>
    public const int MaxGroupsPerCheck = 20;

    private static readonly string[] DeltaSelect = ["id", "displayName", "members"];

    private readonly GraphOptions _options = options.Value;

    /// <summary>False when configuration turned Graph off; the other members then refuse to run.</summary>
    public bool IsEnabled => _options.Enabled;

    /// <summary>
    /// Every group the user is a member of, directly or through nested groups. A user Graph does not know (deleted
    /// since the token was issued) is in no group.
    /// </summary>
    public async Task<IReadOnlyList<string>> GetTransitiveGroupIdsAsync(string userObjectId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userObjectId);
        EnsureEnabled();
        var groups = graph.Users[userObjectId].TransitiveMemberOf.GraphGroup;
        var ids = new List<string>();
        try
        {
            var page = await groups.GetAsync(request =>
            {
                request.QueryParameters.Select = ["id"];
                request.QueryParameters.Top = 999;
            }, cancellationToken);
            while (page is not null)
            {
                ids.AddRange(page.Value?.Select(g => g.Id).OfType<string>() ?? []);
                if (page.OdataNextLink is not { } next)
                    break;
                page = await groups.WithUrl(next).GetAsync(cancellationToken: cancellationToken);
            }
        }
        catch (ODataError notFound) when (notFound.ResponseStatusCode == (int)HttpStatusCode.NotFound)
        {
            return [];
        }

        return ids;
    }

    /// <summary>
    /// For each user, which of <paramref name="groupIds"/> (at most 20) it is a transitive member of, in their order.
    /// Users go 20 to a <c>$batch</c>; items Graph throttles inside a batch are sent again after the Retry-After they
    /// carry, a bounded number of times. A user Graph does not know is in no group.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> CheckMemberGroupsAsync(
        IReadOnlyList<string> userIds, IReadOnlyList<string> groupIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        CheckIds(groupIds, MaxGroupsPerCheck, nameof(groupIds));
        if (userIds.Any(string.IsNullOrEmpty))
            throw new ArgumentException("User ids must not be empty.", nameof(userIds));
        EnsureEnabled();

        var users = userIds.Distinct(StringComparer.Ordinal).ToList();
        var results = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var pending = Enumerable.Range(0, users.Count).ToList();
        var waited = TimeSpan.Zero;
        for (var attempt = 1; pending.Count > 0; attempt++)
        {
            // Request ids are positions in the user list, so any user id is safe to batch.
            var batch = new BatchRequestContentCollection(graph);
            foreach (var index in pending)
            {
                var body = new CheckMemberGroupsPostRequestBody { GroupIds = [.. groupIds] };
                await batch.AddBatchRequestStepAsync(graph.Users[users[index]].CheckMemberGroups.ToPostRequestInformation(body), RequestId(index));
            }

            var responses = await graph.Batch.PostAsync(batch, cancellationToken);
            var statuses = await responses.GetResponsesStatusCodesAsync();
            var throttled = new List<int>();
            var wait = TimeSpan.Zero;
            foreach (var index in pending)
            {
                var id = RequestId(index);
                var status = statuses.TryGetValue(id, out var code) ? (int)code : 0;
                switch (status)
                {
                    case 200:
                        var answer = await responses.GetResponseByIdAsync<CheckMemberGroupsPostResponse>(id);
                        results[users[index]] = answer?.Value is { } found ? [.. found] : [];
                        break;
                    case 404:
                        results[users[index]] = [];
                        break;
                    // No answer for the item at all counts as a transient failure too.
                    case 0 or 429 or 503 or 504:
                        throttled.Add(index);
                        wait = Max(wait, await RetryAfterAsync(responses, id, attempt));
                        break;
                    default:
                        throw new ApiException($"Graph answered checkMemberGroups for user {users[index]} with HTTP {status}.") { ResponseStatusCode = status };
                }
            }

            if (throttled.Count == 0)
                break;
            if (attempt >= _options.BatchItemAttempts || waited + wait > _options.MaxRetryWait)
                throw new ApiException($"Graph still throttled {throttled.Count} checkMemberGroups requests after {attempt} attempts.")
                {
                    ResponseStatusCode = (int)HttpStatusCode.TooManyRequests,
                };

            await Task.Delay(wait, cancellationToken);
            waited += wait;
            pending = throttled;
        }

        return results;
    }

    /// <summary>
    /// One delta round over up to 50 groups: without <paramref name="deltaLink"/> the groups' current state (every
    /// member as added), with it only what changed since that link was issued. Follows next links to the end and
    /// merges a group Graph sent in several pieces. An expired link throws <see cref="GroupDeltaExpiredException"/>.
    /// </summary>
    public async Task<GroupDelta> GetGroupDeltaAsync(IReadOnlyList<string> groupIds, string? deltaLink = null, CancellationToken cancellationToken = default)
    {
        CheckIds(groupIds, MaxGroupsPerDelta, nameof(groupIds));
        // A stored link is sent with the app's token, so it must point at the Graph the app is configured for.
        var baseUrl = _options.BaseUrl.AbsoluteUri.TrimEnd('/') + "/";
        if (deltaLink is not null && !deltaLink.StartsWith(baseUrl, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"The delta link does not start with {baseUrl}.", nameof(deltaLink));
        EnsureEnabled();

        var changes = new GroupChanges();
        try
        {
            var page = deltaLink is null
                ? await graph.Groups.Delta.GetAsDeltaGetResponseAsync(request =>
                {
                    request.QueryParameters.Filter = string.Join(" or ", groupIds.Distinct(StringComparer.Ordinal).Select(id => $"id eq '{id.Replace("'", "''", StringComparison.Ordinal)}'"));
                    request.QueryParameters.Select = DeltaSelect;
                }, cancellationToken)
                : await graph.Groups.Delta.WithUrl(deltaLink).GetAsDeltaGetResponseAsync(cancellationToken: cancellationToken);
            while (true)
            {
                foreach (var group in page?.Value ?? [])
                    changes.Add(group);
                if (page?.OdataNextLink is { } next)
                {
                    page = await graph.Groups.Delta.WithUrl(next).GetAsDeltaGetResponseAsync(cancellationToken: cancellationToken);
                    continue;
                }

                var link = page?.OdataDeltaLink
                    ?? throw new ApiException("Graph ended a delta round without a deltaLink.") { ResponseStatusCode = (int)HttpStatusCode.BadGateway };
                return new GroupDelta(changes.ToList(), link);
            }
        }
        catch (ODataError gone) when (gone.ResponseStatusCode == (int)HttpStatusCode.Gone)
        {
            throw new GroupDeltaExpiredException(gone);
        }
    }

    private void EnsureEnabled()
    {
        if (!_options.Enabled)
            throw new InvalidOperationException("Microsoft Graph is turned off (Graph:Enabled is false); check EntraDirectory.IsEnabled first.");
    }

    private static void CheckIds(IReadOnlyList<string> ids, int max, string name)
    {
        ArgumentNullException.ThrowIfNull(ids, name);
        if (ids.Count is 0 || ids.Count > max)
            throw new ArgumentException($"Give from 1 to {max} group ids; Graph takes no more in one call.", name);
        if (ids.Any(string.IsNullOrEmpty))
            throw new ArgumentException("Group ids must not be empty.", name);
    }

    private static string RequestId(int index) => index.ToString(CultureInfo.InvariantCulture);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    // The item's own Retry-After, as Graph sends it inside the batch; without one, a doubling wait from one second.
    private static async Task<TimeSpan> RetryAfterAsync(BatchResponseContentCollection responses, string id, int attempt)
    {
        using var response = await responses.GetResponseByIdAsync(id);
        var retryAfter = response?.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
            return delta;
        if (retryAfter?.Date is { } date)
            return Max(TimeSpan.Zero, date - DateTimeOffset.UtcNow);
        return TimeSpan.FromSeconds(Math.Pow(2, attempt - 1));
    }

    /// <summary>Merges the items of a delta round per group, in first-seen order; a later item about a member wins.</summary>
    private sealed class GroupChanges
    {
        private readonly Dictionary<string, (string? Name, bool Removed, Dictionary<string, (MemberKind Kind, bool Added)> Members)> _groups =
            new(StringComparer.Ordinal);
        private readonly List<string> _order = [];

        public void Add(Group group)
        {
            if (group.Id is not { } id)
                return;
            if (!_groups.TryGetValue(id, out var entry))
            {
                entry = (null, false, new Dictionary<string, (MemberKind, bool)>(StringComparer.Ordinal));
                _order.Add(id);
            }

            var data = group.AdditionalData ?? new Dictionary<string, object>();
            entry.Name = group.DisplayName ?? entry.Name;
            entry.Removed = data.ContainsKey("@removed");
            if (data.TryGetValue("members@delta", out var members) && members is UntypedArray array)
            {
                foreach (var member in array.GetValue().OfType<UntypedObject>().Select(m => m.GetValue()))
                {
                    if (Text(member, "id") is not { } memberId)
                        continue;
                    entry.Members[memberId] = (KindOf(Text(member, "@odata.type")), !member.ContainsKey("@removed"));
                }
            }

            _groups[id] = entry;
        }

        public List<GroupChange> ToList() => [.. _order.Select(id =>
        {
            var (name, removed, members) = _groups[id];
            return new GroupChange(
                id,
                name,
                removed,
                [.. members.Where(m => m.Value.Added).Select(m => new DirectoryMember(m.Key, m.Value.Kind))],
                [.. members.Where(m => !m.Value.Added).Select(m => new DirectoryMember(m.Key, m.Value.Kind))]);
        })];

        private static string? Text(IDictionary<string, UntypedNode> node, string name) =>
            node.TryGetValue(name, out var value) && value is UntypedString text ? text.GetValue() : null;

        private static MemberKind KindOf(string? odataType) => odataType?.ToLowerInvariant() switch
        {
            "#microsoft.graph.user" => MemberKind.User,
            "#microsoft.graph.group" => MemberKind.Group,
            _ => MemberKind.Other,
        };
    }
}
