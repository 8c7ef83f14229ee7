namespace ModelGate.Tests.Infrastructure;

/// <summary>
/// A clock that moves only when told to: wall time and the monotonic timestamp advance together, in ticks.
/// Starts at the real time unless given a start. Timers are not faked (they fall back to real time), so use
/// it with code that reads the clock.
/// </summary>
public sealed class ManualClock(DateTimeOffset? start = null) : TimeProvider
{
    private long ticks = (start ?? DateTimeOffset.UtcNow).UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref ticks), TimeSpan.Zero);

    public override long GetTimestamp() => Interlocked.Read(ref ticks);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public void Advance(TimeSpan by) => Interlocked.Add(ref ticks, by.Ticks);

    public void Set(DateTimeOffset now) => Interlocked.Exchange(ref ticks, now.UtcTicks);

    /// <summary>Back to the real time, so the next test starts where the world is.</summary>
    public void Reset() => Set(DateTimeOffset.UtcNow);
}
