namespace ModelGate.GroupFreshness;

/// <summary>
/// Which groups are worth a refresh when Graph notifies a change: the tracked ones (in a chunk) and the named ones
/// (granted, backend roles; maybe not tracked yet). The subscription covers every group in the tenant, so most
/// notifications are about groups nothing here depends on; the webhook drops those before queueing anything.
/// Read at most every few seconds per instance: a group granted since is picked up by the next refresh anyway.
/// </summary>
public sealed class TrackedGroupsView(MembershipStore store, NamedGroups named, TimeProvider clock)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(15);

    private readonly SemaphoreSlim _loading = new(1, 1);
    private volatile Snapshot? _snapshot;

    private sealed record Snapshot(HashSet<string> Groups, long ReadAt);

    public async Task<List<string>> WorthRefreshingAsync(IEnumerable<string> groupIds, CancellationToken cancellationToken)
    {
        var groups = await GroupsAsync(cancellationToken);
        return [.. groupIds.Where(groups.Contains).Distinct(StringComparer.Ordinal)];
    }

    private async Task<HashSet<string>> GroupsAsync(CancellationToken cancellationToken)
    {
        if (_snapshot is { } fresh && clock.GetElapsedTime(fresh.ReadAt) < Lifetime) return fresh.Groups;
        await _loading.WaitAsync(cancellationToken);
        try
        {
            if (_snapshot is { } loaded && clock.GetElapsedTime(loaded.ReadAt) < Lifetime) return loaded.Groups;
            var groups = await named.LoadAsync(cancellationToken);
            foreach (var chunk in (await store.LoadChunksAsync(cancellationToken)).Chunks) groups.UnionWith(chunk.Groups);
            _snapshot = new Snapshot(groups, clock.GetTimestamp());
            return groups;
        }
        finally
        {
            _loading.Release();
        }
    }
}
