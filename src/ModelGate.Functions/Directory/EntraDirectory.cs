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
/// sign-ins whose token carries a groups overage), membership checks and deleted-user checks for many users at once,
/// group deltas that keep stored memberships fresh, and the change notification subscription that says when to look.
/// Failures to reach Graph surface as the SDK's <see cref="ApiException"/> (or the retry handler's
/// <see cref="AggregateException"/> of them), which the app answers with 503.
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

    /// <summary>What every delta link this Graph issues starts with (a stored link for another Graph is refused).</summary>
    public string DeltaLinkPrefix => _options.BaseUrl.AbsoluteUri.TrimEnd('/') + "/";

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
        return await SendPerUserAsync<IReadOnlyList<string>>(
            users,
            user => graph.Users[user].CheckMemberGroups.ToPostRequestInformation(new CheckMemberGroupsPostRequestBody { GroupIds = [.. groupIds] }),
            async (responses, id) => (await responses.GetResponseByIdAsync<CheckMemberGroupsPostResponse>(id))?.Value is { } found ? [.. found] : [],
            notFound: [],
            "checkMemberGroups",
            cancellationToken);
    }

    /// <summary>
    /// Which of <paramref name="userIds"/> Graph no longer knows (deleted; a deleted user also leaves every group, so a
    /// group delta alone cannot tell them from a user who was only taken out of groups). One <c>GET /users/{id}</c> per
    /// user, 20 to a <c>$batch</c>, throttled items sent again as for <see cref="CheckMemberGroupsAsync"/>.
    /// </summary>
    public async Task<IReadOnlySet<string>> FindDeletedUsersAsync(IReadOnlyList<string> userIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        if (userIds.Any(string.IsNullOrEmpty))
            throw new ArgumentException("User ids must not be empty.", nameof(userIds));
        var users = userIds.Distinct(StringComparer.Ordinal).ToList();
        if (users.Count == 0) return new HashSet<string>(StringComparer.Ordinal);
        EnsureEnabled();

        var answers = await SendPerUserAsync(
            users,
            user => graph.Users[user].ToGetRequestInformation(request => request.QueryParameters.Select = ["id"]),
            (_, _) => Task.FromResult(true),
            notFound: false,
            "user",
            cancellationToken);
        return answers.Where(a => !a.Value).Select(a => a.Key).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// Creates a subscription to change notifications for every group in the tenant (membership changes arrive as
    /// <c>updated</c>). Graph validates both URLs before it answers, so the app must already be serving them.
    /// </summary>
    public async Task<DirectorySubscription> CreateGroupSubscriptionAsync(
        Uri notificationUrl, Uri lifecycleNotificationUrl, string clientState, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notificationUrl);
        ArgumentNullException.ThrowIfNull(lifecycleNotificationUrl);
        ArgumentException.ThrowIfNullOrEmpty(clientState);
        EnsureEnabled();
        var created = await graph.Subscriptions.PostAsync(new Subscription
        {
            ChangeType = "updated,deleted",
            Resource = "groups",
            NotificationUrl = notificationUrl.AbsoluteUri,
            LifecycleNotificationUrl = lifecycleNotificationUrl.AbsoluteUri,
            ClientState = clientState,
            ExpirationDateTime = expiresAt,
        }, cancellationToken: cancellationToken);
        return new DirectorySubscription(
            created?.Id ?? throw new ApiException("Graph created a subscription without an id.") { ResponseStatusCode = (int)HttpStatusCode.BadGateway },
            created.ExpirationDateTime ?? expiresAt);
    }

    /// <summary>The subscription as Graph has it, or null when Graph no longer knows it (expired or removed).</summary>
    public async Task<DirectorySubscription?> GetSubscriptionAsync(string subscriptionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(subscriptionId);
        EnsureEnabled();
        try
        {
            var found = await graph.Subscriptions[subscriptionId].GetAsync(cancellationToken: cancellationToken);
            return found?.ExpirationDateTime is { } expires ? new DirectorySubscription(subscriptionId, expires) : null;
        }
        catch (ODataError notFound) when (notFound.ResponseStatusCode == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Moves a subscription's expiration (which also reauthorizes it, as a <c>reauthorizationRequired</c> lifecycle
    /// event asks). Null when Graph no longer knows the subscription.
    /// </summary>
    public async Task<DirectorySubscription?> RenewSubscriptionAsync(string subscriptionId, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(subscriptionId);
        EnsureEnabled();
        try
        {
            var renewed = await graph.Subscriptions[subscriptionId].PatchAsync(new Subscription { ExpirationDateTime = expiresAt }, cancellationToken: cancellationToken);
            return new DirectorySubscription(subscriptionId, renewed?.ExpirationDateTime ?? expiresAt);
        }
        catch (ODataError notFound) when (notFound.ResponseStatusCode == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Deletes a subscription; one Graph no longer knows is not an error.</summary>
    public async Task DeleteSubscriptionAsync(string subscriptionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(subscriptionId);
        EnsureEnabled();
        try
        {
            await graph.Subscriptions[subscriptionId].DeleteAsync(cancellationToken: cancellationToken);
        }
        catch (ODataError notFound) when (notFound.ResponseStatusCode == (int)HttpStatusCode.NotFound)
        {
        }
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
        var baseUrl = DeltaLinkPrefix;
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

    /// <summary>
    /// One request per user, 20 to a <c>$batch</c> (the SDK splits the collection), answered per user: 200 through
    /// <paramref name="read"/>, 404 as <paramref name="notFound"/>. Items throttled or unavailable inside a batch are sent
    /// again after the longest Retry-After among them, at most <see cref="GraphOptions.BatchItemAttempts"/> times and
    /// within <see cref="GraphOptions.MaxRetryWait"/>; then the whole call fails as throttled (a dependency failure).
    /// </summary>
    private async Task<Dictionary<string, T>> SendPerUserAsync<T>(
        List<string> users,
        Func<string, RequestInformation> request,
        Func<BatchResponseContentCollection, string, Task<T>> read,
        T notFound,
        string operation,
        CancellationToken cancellationToken)
    {
        var results = new Dictionary<string, T>(StringComparer.Ordinal);
        var pending = Enumerable.Range(0, users.Count).ToList();
        var waited = TimeSpan.Zero;
        for (var attempt = 1; pending.Count > 0; attempt++)
        {
            // Request ids are positions in the user list, so any user id is safe to batch.
            var batch = new BatchRequestContentCollection(graph);
            foreach (var index in pending)
                await batch.AddBatchRequestStepAsync(request(users[index]), RequestId(index));

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
                        results[users[index]] = await read(responses, id);
                        break;
                    case 404:
                        results[users[index]] = notFound;
                        break;
                    // No answer for the item at all counts as a transient failure too.
                    case 0 or 429 or 503 or 504:
                        throttled.Add(index);
                        wait = Max(wait, await RetryAfterAsync(responses, id, attempt));
                        break;
                    default:
                        throw new ApiException($"Graph answered {operation} for user {users[index]} with HTTP {status}.") { ResponseStatusCode = status };
                }
            }

            if (throttled.Count == 0)
                break;
            if (attempt >= _options.BatchItemAttempts || waited + wait > _options.MaxRetryWait)
                throw new ApiException($"Graph still throttled {throttled.Count} {operation} requests after {attempt} attempts.")
                {
                    ResponseStatusCode = (int)HttpStatusCode.TooManyRequests,
                };

            await Task.Delay(wait, cancellationToken);
            waited += wait;
            pending = throttled;
        }

        return results;
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
