using ModelGate.Hosting;

namespace ModelGate.GroupFreshness;

/// <summary>
/// The timer function <c>RefreshExternalGroups</c>: a full refresh every 15 minutes. Notifications make most changes
/// apply within seconds; this catches what they cannot (Graph does not promise delivery, and an instance may stop
/// before it refreshed), takes in newly granted groups, and keeps delta links from expiring. The schedule lives here
/// and in <c>Functions/RefreshExternalGroups/function.json</c>; a test keeps the two equal.
/// </summary>
public sealed class RefreshExternalGroupsJob(GroupRefresher refresher, RefreshQueue queue) : ITimerJob
{
    public const string JobName = "RefreshExternalGroups";

    public string Name => JobName;

    public string Schedule => "0 */15 * * * *";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!refresher.IsEnabled) return;
        // Notified groups queued before this run are covered by it; ones notified during it stay queued.
        var pending = await queue.ReadAsync(cancellationToken);
        var outcome = await refresher.RefreshAllAsync(cancellationToken);
        if (outcome.Status == RefreshStatus.Done) await queue.RemoveAsync(pending, cancellationToken);
    }
}
