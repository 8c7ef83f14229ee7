using System.Diagnostics;
using Microsoft.Extensions.Options;
using ModelGate.Directory;
using ModelGate.Storage;

namespace ModelGate.GroupFreshness;

public enum RefreshStatus
{
    /// <summary>The refresh ran.</summary>
    Done,

    /// <summary>Another run held the lease; nothing was done (the other run does the work).</summary>
    Busy,

    /// <summary>Configuration turned the refresh (or Graph) off.</summary>
    Disabled,
}

/// <summary>What one refresh did, for logs and the benchmark.</summary>
public sealed record RefreshOutcome(RefreshStatus Status)
{
    public int ChunksSynced { get; init; }
    public int FullRounds { get; init; }

    /// <summary>Member entries Graph sent (added or removed): what delta links save, page count aside.</summary>
    public int MembersReceived { get; init; }
    public int GroupsTracked { get; init; }
    public int GroupsChanged { get; init; }
    public int EdgesWritten { get; init; }
    public int UsersChecked { get; init; }
    public int UsersWritten { get; init; }
    public int UsersDeleted { get; init; }
    public TimeSpan Elapsed { get; init; }
}

/// <summary>
/// Keeps the groups in sign-in records fresh from Microsoft Graph. A full refresh (the timer) runs a delta round on
/// every chunk of tracked groups and checks every sign-in record; a targeted one (after change notifications) runs
/// only the chunks holding the notified groups and checks only the users under groups that changed. Either way:
/// <list type="number">
/// <item>the tracked groups are the named ones (grants, backend roles) and every group nested in them;</item>
/// <item>each chunk continues from its stored delta link, or takes the full state when it has none or Graph says
/// the link expired (410);</item>
/// <item>nested groups met on the way are tracked too, in new chunks synced in the same run;</item>
/// <item>transitive membership is computed locally; sign-in records are written only where their named groups
/// differ, and the changed users are forgotten by this instance's proxy cache so the change applies at once here
/// (and within Invoke:CacheSeconds elsewhere);</item>
/// <item>member edges are written before records, delta links after them, so a run that stops half-way is done
/// again rather than half-remembered.</item>
/// </list>
/// One run at a time across instances: a Table lease; a run that finds it held returns <see cref="RefreshStatus.Busy"/>.
/// </summary>
public sealed class GroupRefresher(
    EntraDirectory directory,
    Tables tables,
    MembershipStore store,
    NamedGroups namedGroups,
    SignInSnapshots snapshots,
    IOptions<GroupFreshnessOptions> options,
    TimeProvider clock,
    ILogger<GroupRefresher> logger)
{
    private const int ParallelRounds = 4;

    // This instance's copy of the stored member edges, valid while the stored generation is the same.
    private volatile CachedGraph? _cache;

    private sealed record CachedGraph(long Generation, MembershipGraph Graph);

    public bool IsEnabled => options.Value.Enabled && directory.IsEnabled;

    /// <summary>Every chunk, every sign-in record.</summary>
    public Task<RefreshOutcome> RefreshAllAsync(CancellationToken cancellationToken) => RunAsync(null, cancellationToken);

    /// <summary>Only the chunks holding <paramref name="groupIds"/>, only the users under groups that changed.</summary>
    public Task<RefreshOutcome> RefreshGroupsAsync(IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken) =>
        RunAsync(groupIds.ToHashSet(StringComparer.Ordinal), cancellationToken);

    private async Task<RefreshOutcome> RunAsync(HashSet<string>? notified, CancellationToken cancellationToken)
    {
        if (!IsEnabled) return new RefreshOutcome(RefreshStatus.Disabled);
        var started = Stopwatch.GetTimestamp();
        await using var lease = await TableLease.TryAcquireAsync(tables.DirectorySync, "refresh", TimeSpan.FromSeconds(options.Value.LeaseSeconds), clock, cancellationToken);
        if (lease is null)
        {
            logger.LogInformation("Group refresh skipped: another run holds the lease");
            return new RefreshOutcome(RefreshStatus.Busy);
        }

        var stored = await store.LoadChunksAsync(cancellationToken);
        var before = _cache is { } cache && cache.Generation == stored.Generation ? cache.Graph : await store.LoadGraphAsync(cancellationToken);
        var named = await namedGroups.LoadAsync(cancellationToken);
        var previouslyNamed = stored.Chunks.SelectMany(c => c.Named).ToHashSet(StringComparer.Ordinal);

        var plan = ChunkPlan.Make(stored.Chunks, before.GroupsReachableFrom(named), named);
        var after = before.Clone();
        foreach (var group in plan.DroppedGroups) after.Clear(group);

        var synced = new HashSet<string>(StringComparer.Ordinal);
        var chunksSynced = 0;
        var fullRounds = 0;
        var membersReceived = 0;
        var round = plan.Chunks.Where(c => notified is null || c.NeedsFullRound || c.Groups.Any(notified.Contains)).ToList();
        while (round.Count > 0)
        {
            await lease.KeepAsync(cancellationToken);
            var results = new (GroupDelta Delta, bool Full)[round.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, round.Count),
                new ParallelOptions { MaxDegreeOfParallelism = ParallelRounds, CancellationToken = cancellationToken },
                async (i, token) => results[i] = await FetchAsync(round[i], token));

            for (var i = 0; i < round.Count; i++)
            {
                var (chunk, (delta, full)) = (round[i], results[i]);
                Apply(after, chunk, delta, full);
                chunk.DeltaLink = delta.DeltaLink;
                synced.UnionWith(chunk.Groups);
                membersReceived += delta.Groups.Sum(g => g.MembersAdded.Count + g.MembersRemoved.Count);
                chunksSynced++;
                if (full) fullRounds++;
            }

            // Nested groups met in this round's members are tracked from now on, and synced before anything is decided.
            var assigned = plan.Assigned;
            var discovered = after.GroupsReachableFrom(named).Where(g => !assigned.Contains(g)).Order(StringComparer.Ordinal).ToList();
            round = discovered.Count == 0 ? [] : plan.AddDiscovered(discovered, named);
        }

        var changed = synced.Concat(plan.DroppedGroups).Distinct(StringComparer.Ordinal)
            .Where(g => !MembershipGraph.SameMembers(before, after, g)).ToList();
        var edgesWritten = 0;
        var generation = stored.Generation;
        await lease.KeepAsync(cancellationToken);
        if (changed.Count > 0)
        {
            var touched = changed.ToHashSet(StringComparer.Ordinal);
            generation++;
            await store.MarkChangingAsync(stored.Chunks.Where(c => c.Groups.Any(touched.Contains)).Select(c => c.Id), generation, cancellationToken);
            edgesWritten = await store.WriteEdgesAsync(before, after, changed, cancellationToken);
        }

        // A group that just became named may sit in records it no longer belongs in (from an old token), where no
        // delta points: check every record then, as a full refresh does.
        var everyone = notified is null || named.Any(g => !previouslyNamed.Contains(g));
        var users = everyone ? null : before.UsersUnder(changed).Union(after.UsersUnder(changed)).ToHashSet(StringComparer.Ordinal);
        var snapshot = users is { Count: 0 }
            ? new SnapshotResult(0, 0, 0)
            : await snapshots.ReconcileAsync(users, named, after.MembershipsIn(named), cancellationToken);

        // Delta links move on with every round; a targeted run that synced nothing and found nothing new has nothing to save.
        if (notified is null || chunksSynced > 0 || plan.RemovedChunkIds.Count > 0 || everyone)
        {
            await lease.KeepAsync(cancellationToken);
            await store.SaveChunksAsync(plan.Chunks, plan.RemovedChunkIds, generation, cancellationToken);
        }
        _cache = new CachedGraph(generation, after);

        var outcome = new RefreshOutcome(RefreshStatus.Done)
        {
            ChunksSynced = chunksSynced,
            FullRounds = fullRounds,
            MembersReceived = membersReceived,
            GroupsTracked = plan.Assigned.Count,
            GroupsChanged = changed.Count,
            EdgesWritten = edgesWritten,
            UsersChecked = snapshot.Checked,
            UsersWritten = snapshot.Written,
            UsersDeleted = snapshot.Deleted,
            Elapsed = Stopwatch.GetElapsedTime(started),
        };
        logger.LogInformation(
            "Group refresh ({Kind}): {Chunks} chunks synced ({FullRounds} full), {Tracked} groups tracked, {Changed} changed, {Edges} member rows written, {Checked} sign-in records checked, {Written} written, {Deleted} deleted users, in {ElapsedMs} ms",
            notified is null ? "full" : "targeted", outcome.ChunksSynced, outcome.FullRounds, outcome.GroupsTracked, outcome.GroupsChanged, outcome.EdgesWritten,
            outcome.UsersChecked, outcome.UsersWritten, outcome.UsersDeleted, (long)outcome.Elapsed.TotalMilliseconds);
        return outcome;
    }

    /// <summary>A delta round from the chunk's link, or its full state when it has none or Graph forgot the link.</summary>
    private async Task<(GroupDelta, bool Full)> FetchAsync(SyncChunk chunk, CancellationToken cancellationToken)
    {
        if (!chunk.NeedsFullRound)
        {
            try
            {
                return (await directory.GetGroupDeltaAsync(chunk.Groups, chunk.DeltaLink, cancellationToken), false);
            }
            catch (GroupDeltaExpiredException)
            {
                logger.LogInformation("Delta link of chunk {Chunk} expired; taking the full state of its {Count} groups", chunk.Id, chunk.Groups.Count);
            }
            catch (ArgumentException) when (!chunk.DeltaLink.StartsWith(directory.DeltaLinkPrefix, StringComparison.OrdinalIgnoreCase))
            {
                // Graph:BaseUrl changed since the link was stored: the link is for another Graph.
                logger.LogInformation("Delta link of chunk {Chunk} is for another Graph endpoint; taking the full state", chunk.Id);
            }
        }
        return (await directory.GetGroupDeltaAsync(chunk.Groups, null, cancellationToken), true);
    }

    private static void Apply(MembershipGraph graph, SyncChunk chunk, GroupDelta delta, bool full)
    {
        var mine = chunk.Groups.ToHashSet(StringComparer.Ordinal);
        var changes = delta.Groups.Where(g => mine.Contains(g.Id)).ToDictionary(g => g.Id, StringComparer.Ordinal);
        foreach (var change in changes.Values)
        {
            if (change.DisplayName is { } name) chunk.Names[change.Id] = name;
            else if (change.Removed) chunk.Names.Remove(change.Id);
        }

        if (!full)
        {
            foreach (var change in changes.Values) graph.Apply(change);
            return;
        }
        // A full round lists every group that exists: one it leaves out has no members (or no longer exists).
        foreach (var group in chunk.Groups)
            graph.Replace(group, changes.TryGetValue(group, out var change) && !change.Removed ? change.MembersAdded : []);
    }
}
