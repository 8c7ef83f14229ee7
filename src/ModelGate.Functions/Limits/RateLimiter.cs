using System.Collections.Concurrent;

namespace ModelGate.Limits;

/// <summary>
/// Requests per minute per API key and deployment: a token bucket holding up to the limit, refilled at
/// limit/60 per second, so a key may burst its whole minute at once and then proceeds at the steady rate.
/// The buckets live in this instance's memory: with N instances a key can make up to N × the limit
/// (Functions spreads a key's calls over instances, so in practice far less). The monthly quota
/// (<see cref="QuotaLedger"/>) is the limit that holds across instances.
/// After a key's first call a check takes one dictionary lookup and one uncontended lock, and allocates nothing.
/// </summary>
public sealed class RateLimiter(TimeProvider time)
{
    /// <summary>A bucket idle this long is full again, so forgetting it changes nothing.</summary>
    private static readonly TimeSpan EvictAfterIdle = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<(string KeyId, string Deployment), Bucket> buckets = new();
    private long nextSweep = time.GetTimestamp() + ToTimestampTicks(time, SweepEvery);

    /// <summary>
    /// Takes one call from the key's allowance on the deployment. False when the minute's allowance is used
    /// up; <paramref name="retryAfter"/> is then how long until the next call would be allowed.
    /// </summary>
    /// <param name="keyId">The API key's id.</param>
    /// <param name="deployment">The deployment invoked.</param>
    /// <param name="requestsPerMinute">The deployment's limit, at least 1; call only for deployments that have one.</param>
    /// <param name="retryAfter">When denied, the wait until one call is allowed again; zero when allowed.</param>
    public bool TryAcquire(string keyId, string deployment, int requestsPerMinute, out TimeSpan retryAfter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(requestsPerMinute, 1);
        var now = time.GetTimestamp();
        if (now >= Volatile.Read(ref nextSweep)) Sweep(now);

        while (true)
        {
            if (!buckets.TryGetValue((keyId, deployment), out var bucket))
                bucket = buckets.GetOrAdd((keyId, deployment), static (_, state) => new Bucket(state.Rpm, state.Now), (Rpm: requestsPerMinute, Now: now));
            lock (bucket)
            {
                // Swept between lookup and lock: take from the bucket that replaced it, or the call would
                // spend a token nobody counts.
                if (bucket.Evicted) continue;
                return bucket.TryTake(now, requestsPerMinute, time.TimestampFrequency, out retryAfter);
            }
        }
    }

    internal int BucketCount => buckets.Count;

    private void Sweep(long now)
    {
        var due = Volatile.Read(ref nextSweep);
        // One caller sweeps; the others go on at once.
        if (now < due || Interlocked.CompareExchange(ref nextSweep, now + ToTimestampTicks(time, SweepEvery), due) != due) return;
        var idle = ToTimestampTicks(time, EvictAfterIdle);
        foreach (var (key, bucket) in buckets)
        {
            lock (bucket)
            {
                if (now - bucket.LastUsed < idle) continue;
                bucket.Evicted = true;
                buckets.TryRemove(key, out _);
            }
        }
    }

    private static long ToTimestampTicks(TimeProvider time, TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);

    private sealed class Bucket(int capacity, long now)
    {
        // Refill arithmetic in doubles can land a hair under a whole token (20 s × 0.05/s); this absorbs it.
        private const double Tolerance = 1e-9;

        private int capacity = capacity;
        private double tokens = capacity;
        private long refilledAt = now;

        public long LastUsed = now;
        public bool Evicted;

        public bool TryTake(long now, int requestsPerMinute, long frequency, out TimeSpan retryAfter)
        {
            if (requestsPerMinute != capacity)
            {
                // The deployment's limit changed: keep what is left, but never more than the new allowance.
                capacity = requestsPerMinute;
                tokens = Math.Min(tokens, capacity);
            }
            var perSecond = capacity / 60.0;
            if (now > refilledAt)
            {
                tokens = Math.Min(capacity, tokens + (double)(now - refilledAt) / frequency * perSecond);
                refilledAt = now;
            }
            LastUsed = now;
            if (tokens >= 1 - Tolerance)
            {
                tokens -= 1;
                retryAfter = TimeSpan.Zero;
                return true;
            }
            retryAfter = TimeSpan.FromSeconds((1 - tokens) / perSecond);
            return false;
        }
    }
}
