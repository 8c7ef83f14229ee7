namespace ModelGate.DevHost.Graph;

/// <summary>
/// Failures the fake injects, settable from any thread while it serves. They hit only requests that carry a token,
/// so a missing token is always the same 401.
/// </summary>
public sealed class GraphFaults
{
    private readonly Lock _gate = new();
    private bool _unavailable;
    private TimeSpan _unavailableRetryAfter = TimeSpan.FromSeconds(1);
    private TimeSpan _latency;
    private int _throttledRequests;
    private TimeSpan _requestRetryAfter;
    private int _throttledBatchItems;
    private TimeSpan _batchItemRetryAfter;
    private long _deltaTokenEpoch;

    /// <summary>When true every authenticated request is answered 503 with <see cref="UnavailableRetryAfter"/>.</summary>
    public bool Unavailable
    {
        get { lock (_gate) { return _unavailable; } }
        set { lock (_gate) { _unavailable = value; } }
    }

    /// <summary>The wait the 503 answers ask for, in whole seconds on the wire.</summary>
    public TimeSpan UnavailableRetryAfter
    {
        get { lock (_gate) { return _unavailableRetryAfter; } }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            lock (_gate) { _unavailableRetryAfter = value; }
        }
    }

    /// <summary>Delay added before each request is answered.</summary>
    public TimeSpan Latency
    {
        get { lock (_gate) { return _latency; } }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            lock (_gate) { _latency = value; }
        }
    }

    /// <summary>Answers the next <paramref name="count"/> authenticated requests 429 with this Retry-After (whole seconds on the wire).</summary>
    public void ThrottleNext(int count, TimeSpan retryAfter)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(retryAfter, TimeSpan.Zero);
        lock (_gate)
        {
            _throttledRequests = count;
            _requestRetryAfter = retryAfter;
        }
    }

    /// <summary>
    /// Inside <c>$batch</c> requests, answers the next <paramref name="count"/> items 429 with a Retry-After header in
    /// the item, while the batch itself still answers 200 (how Graph throttles batched work).
    /// </summary>
    public void ThrottleBatchItems(int count, TimeSpan retryAfter)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(retryAfter, TimeSpan.Zero);
        lock (_gate)
        {
            _throttledBatchItems = count;
            _batchItemRetryAfter = retryAfter;
        }
    }

    /// <summary>
    /// Makes every delta token and delta page link issued so far unknown, as if its sync state had expired: following
    /// one answers 410 Gone with <c>syncStateNotFound</c>.
    /// </summary>
    public void ExpireDeltaTokens()
    {
        lock (_gate) { _deltaTokenEpoch++; }
    }

    /// <summary>Turns every fault off. Delta tokens expired before stay expired.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _unavailable = false;
            _unavailableRetryAfter = TimeSpan.FromSeconds(1);
            _latency = TimeSpan.Zero;
            _throttledRequests = 0;
            _requestRetryAfter = TimeSpan.Zero;
            _throttledBatchItems = 0;
            _batchItemRetryAfter = TimeSpan.Zero;
        }
    }

    internal long DeltaTokenEpoch
    {
        get { lock (_gate) { return _deltaTokenEpoch; } }
    }

    internal bool IsUnavailable(out TimeSpan retryAfter)
    {
        lock (_gate)
        {
            retryAfter = _unavailableRetryAfter;
            return _unavailable;
        }
    }

    internal bool TryTakeRequestThrottle(out TimeSpan retryAfter)
    {
        lock (_gate)
        {
            retryAfter = _requestRetryAfter;
            if (_throttledRequests == 0)
            {
                return false;
            }

            _throttledRequests--;
            return true;
        }
    }

    internal bool TryTakeBatchItemThrottle(out TimeSpan retryAfter)
    {
        lock (_gate)
        {
            retryAfter = _batchItemRetryAfter;
            if (_throttledBatchItems == 0)
            {
                return false;
            }

            _throttledBatchItems--;
            return true;
        }
    }
}
