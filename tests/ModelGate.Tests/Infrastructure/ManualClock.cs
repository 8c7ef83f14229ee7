namespace ModelGate.Tests.Infrastructure;

/// <summary>A clock that stands still until a test moves it; starts at the real time.</summary>
public sealed class ManualClock : TimeProvider
{
    private long ticks = DateTimeOffset.UtcNow.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref ticks, by.Ticks);

    /// <summary>Back to the real time, so the next test starts where the world is.</summary>
    public void Reset() => Interlocked.Exchange(ref ticks, DateTimeOffset.UtcNow.UtcTicks);
}
