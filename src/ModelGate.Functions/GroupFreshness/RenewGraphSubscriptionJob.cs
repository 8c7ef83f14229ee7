using ModelGate.Hosting;

namespace ModelGate.GroupFreshness;

/// <summary>
/// The timer function <c>RenewGraphSubscription</c>, hourly: makes sure the subscription to group changes exists and
/// renews it once half its life is gone, so it never lapses even if many runs fail. The schedule lives here and in
/// <c>Functions/RenewGraphSubscription/function.json</c>; a test keeps the two equal.
/// </summary>
public sealed class RenewGraphSubscriptionJob(SubscriptionKeeper subscription) : ITimerJob
{
    public const string JobName = "RenewGraphSubscription";

    public string Name => JobName;

    // Five past the hour, away from the refresh at the quarter hours.
    public string Schedule => "0 5 * * * *";

    public Task RunAsync(CancellationToken cancellationToken) => subscription.EnsureAsync(renewNow: false, cancellationToken);
}
