namespace ModelGate.DevHost.Graph;

/// <summary>
/// Failures the Graph fake injects: those of every loopback fake (outage, latency, throttled requests), plus
/// throttled items inside <c>$batch</c> and expired delta tokens.
/// </summary>
public sealed class GraphFaults : LoopbackFaults
{
    private Countdown throttledBatchItems;
    private long deltaTokenEpoch;

    /// <summary>
    /// Inside <c>$batch</c> requests, answers the next <paramref name="count"/> items 429 with a Retry-After header in
    /// the item, while the batch itself still answers 200 (how Graph throttles batched work).
    /// </summary>
    public void ThrottleBatchItems(int count, TimeSpan retryAfter)
    {
        lock (Gate) { throttledBatchItems = Countdown.Of(count, retryAfter); }
    }

    /// <summary>
    /// Makes every delta token and delta page link issued so far unknown, as if its sync state had expired: following
    /// one answers 410 Gone with <c>syncStateNotFound</c>.
    /// </summary>
    public void ExpireDeltaTokens()
    {
        lock (Gate) { deltaTokenEpoch++; }
    }

    /// <summary>Turns every fault off. Delta tokens expired before stay expired.</summary>
    public override void Reset()
    {
        base.Reset();
        lock (Gate) { throttledBatchItems = default; }
    }

    internal long DeltaTokenEpoch
    {
        get { lock (Gate) { return deltaTokenEpoch; } }
    }

    internal bool TryTakeBatchItemThrottle(out TimeSpan retryAfter)
    {
        lock (Gate) { return throttledBatchItems.TryTake(out retryAfter); }
    }
}
