using System.Collections.Concurrent;

namespace ModelGate.Invoke;

/// <summary>
/// Values reused for a bounded time, loaded on a miss. Absent values are cached too, so a flood of calls
/// for an unknown name reads the store once per bound. A cached hit completes synchronously without
/// allocating: the proxy's decision path runs through here on every call.
/// </summary>
public sealed class ExpiringCache<TValue>(TimeProvider clock, TimeSpan lifetime) where TValue : class
{
    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);

    private sealed record Entry(TValue? Value, long ExpiresAt);

    public int Count => entries.Count;

    public ValueTask<TValue?> GetAsync(string key, Func<string, CancellationToken, Task<TValue?>> load, CancellationToken cancellationToken)
    {
        if (entries.TryGetValue(key, out var entry) && entry.ExpiresAt > clock.GetTimestamp()) return new(entry.Value);
        return new(LoadAsync(key, load, cancellationToken));
    }

    private async Task<TValue?> LoadAsync(string key, Func<string, CancellationToken, Task<TValue?>> load, CancellationToken cancellationToken)
    {
        var value = await load(key, cancellationToken);
        if (lifetime > TimeSpan.Zero)
        {
            entries[key] = new Entry(value, clock.GetTimestamp() + (long)(lifetime.TotalSeconds * clock.TimestampFrequency));
            if (entries.Count > 100_000) entries.Clear(); // a crude bound: names are attacker-chosen on a public proxy
        }
        return value;
    }

    /// <summary>Drops a key so the next call reads the store (a change made on this instance shows at once).</summary>
    public void Forget(string key) => entries.TryRemove(key, out _);

    public void Clear() => entries.Clear();
}
