namespace ModelGate.DevHost;

/// <summary>
/// Failures a loopback fake injects, settable from any thread while it serves: an outage (503), added
/// latency, and throttling of the next requests (429 with Retry-After). They hit only requests that carry a
/// token, so the authentication round trip stays the same in every test.
/// </summary>
public class LoopbackFaults
{
    private protected readonly Lock Gate = new();
    private bool unavailable;
    private TimeSpan unavailableRetryAfter = TimeSpan.FromSeconds(1);
    private TimeSpan latency;
    private Countdown throttled;

    /// <summary>When true every authenticated request is answered 503 with <see cref="UnavailableRetryAfter"/>.</summary>
    public bool Unavailable
    {
        get { lock (Gate) { return unavailable; } }
        set { lock (Gate) { unavailable = value; } }
    }

    /// <summary>The wait the 503 answers ask for (whole seconds on the wire).</summary>
    public TimeSpan UnavailableRetryAfter
    {
        get { lock (Gate) { return unavailableRetryAfter; } }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            lock (Gate) { unavailableRetryAfter = value; }
        }
    }

    /// <summary>Delay added before each request is answered.</summary>
    public TimeSpan Latency
    {
        get { lock (Gate) { return latency; } }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            lock (Gate) { latency = value; }
        }
    }

    /// <summary>Answers the next <paramref name="count"/> authenticated requests 429 with this Retry-After.</summary>
    public void ThrottleNext(int count, TimeSpan retryAfter)
    {
        lock (Gate) { throttled = Countdown.Of(count, retryAfter); }
    }

    /// <summary>Turns every fault off.</summary>
    public virtual void Reset()
    {
        lock (Gate)
        {
            unavailable = false;
            unavailableRetryAfter = TimeSpan.FromSeconds(1);
            latency = TimeSpan.Zero;
            throttled = default;
        }
    }

    internal bool IsUnavailable(out TimeSpan retryAfter)
    {
        lock (Gate)
        {
            retryAfter = unavailableRetryAfter;
            return unavailable;
        }
    }

    internal bool TryTakeThrottle(out TimeSpan retryAfter)
    {
        lock (Gate) { return throttled.TryTake(out retryAfter); }
    }

    /// <summary>"The next N get 429 with this Retry-After"; read and written under the owner's lock.</summary>
    private protected struct Countdown
    {
        private int remaining;
        private TimeSpan retryAfter;

        public static Countdown Of(int count, TimeSpan retryAfter)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(count);
            ArgumentOutOfRangeException.ThrowIfLessThan(retryAfter, TimeSpan.Zero);
            return new Countdown { remaining = count, retryAfter = retryAfter };
        }

        public bool TryTake(out TimeSpan wait)
        {
            wait = retryAfter;
            if (remaining == 0) return false;
            remaining--;
            return true;
        }
    }
}
