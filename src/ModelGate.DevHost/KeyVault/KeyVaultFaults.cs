namespace ModelGate.DevHost.KeyVault;

/// <summary>
/// Failures the fake injects, settable from any thread while it serves. Outages and throttling hit only
/// requests that carry a token, so the challenge round trip stays the same in every test.
/// </summary>
public sealed class KeyVaultFaults
{
    private readonly Lock _gate = new();
    private bool _unavailable;
    private TimeSpan _unavailableRetryAfter = TimeSpan.FromSeconds(1);
    private TimeSpan _latency;
    private int _throttledRemaining;
    private TimeSpan _throttleRetryAfter;

    /// <summary>When true every authenticated request is answered 503 with <see cref="UnavailableRetryAfter"/>.</summary>
    public bool Unavailable
    {
        get { lock (_gate) { return _unavailable; } }
        set { lock (_gate) { _unavailable = value; } }
    }

    /// <summary>The wait the 503 answers ask for.</summary>
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

    /// <summary>Answers the next <paramref name="count"/> authenticated requests 429 with this Retry-After.</summary>
    public void ThrottleNext(int count, TimeSpan retryAfter)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(retryAfter, TimeSpan.Zero);
        lock (_gate)
        {
            _throttledRemaining = count;
            _throttleRetryAfter = retryAfter;
        }
    }

    /// <summary>Turns every fault off.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _unavailable = false;
            _unavailableRetryAfter = TimeSpan.FromSeconds(1);
            _latency = TimeSpan.Zero;
            _throttledRemaining = 0;
            _throttleRetryAfter = TimeSpan.Zero;
        }
    }

    internal bool IsUnavailable(out TimeSpan retryAfter)
    {
        lock (_gate)
        {
            retryAfter = _unavailableRetryAfter;
            return _unavailable;
        }
    }

    internal bool TryTakeThrottle(out TimeSpan retryAfter)
    {
        lock (_gate)
        {
            retryAfter = _throttleRetryAfter;
            if (_throttledRemaining == 0)
            {
                return false;
            }

            _throttledRemaining--;
            return true;
        }
    }
}
