using ModelGate.Limits;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.Limits;

public sealed class RateLimiterTests
{
    private readonly ManualClock clock = new(new DateTimeOffset(2026, 3, 15, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void TryAcquire_ThreePerMinute_AllowsThreeThenDeniesForTwentySeconds()
    {
        var limiter = new RateLimiter(clock);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(limiter.TryAcquire("key1", "chat", 3, out var none));
            Assert.Equal(TimeSpan.Zero, none);
        }

        Assert.False(limiter.TryAcquire("key1", "chat", 3, out var retryAfter));
        Assert.Equal(20, retryAfter.TotalSeconds, precision: 3);
        Assert.Equal("20", LimitProblems.RetryAfterSeconds(retryAfter));
    }

    [Fact]
    public void TryAcquire_RefillsAtTheSteadyRate()
    {
        var limiter = new RateLimiter(clock);
        for (var i = 0; i < 3; i++) Assert.True(limiter.TryAcquire("key1", "chat", 3, out _));

        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.False(limiter.TryAcquire("key1", "chat", 3, out var retryAfter));
        Assert.Equal(10, retryAfter.TotalSeconds, precision: 3);

        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.True(limiter.TryAcquire("key1", "chat", 3, out _));
        Assert.False(limiter.TryAcquire("key1", "chat", 3, out _));

        clock.Advance(TimeSpan.FromMinutes(10)); // idle: full again, never more than the limit
        for (var i = 0; i < 3; i++) Assert.True(limiter.TryAcquire("key1", "chat", 3, out _));
        Assert.False(limiter.TryAcquire("key1", "chat", 3, out _));
    }

    [Fact]
    public void TryAcquire_KeysAndDeployments_HaveTheirOwnAllowance()
    {
        var limiter = new RateLimiter(clock);
        Assert.True(limiter.TryAcquire("key1", "chat", 1, out _));
        Assert.False(limiter.TryAcquire("key1", "chat", 1, out _));

        Assert.True(limiter.TryAcquire("key2", "chat", 1, out _));
        Assert.True(limiter.TryAcquire("key1", "other", 1, out _));
    }

    [Fact]
    public void TryAcquire_LimitLowered_NeverLeavesMoreThanTheNewLimit()
    {
        var limiter = new RateLimiter(clock);
        Assert.True(limiter.TryAcquire("key1", "chat", 100, out _));
        Assert.True(limiter.TryAcquire("key1", "chat", 2, out _));
        Assert.True(limiter.TryAcquire("key1", "chat", 2, out _));
        Assert.False(limiter.TryAcquire("key1", "chat", 2, out _));
    }

    [Fact]
    public void TryAcquire_NoLimit_IsAProgrammingError()
    {
        var limiter = new RateLimiter(clock);
        Assert.Throws<ArgumentOutOfRangeException>(() => limiter.TryAcquire("key1", "chat", 0, out _));
    }

    [Fact]
    public void IdleBuckets_AreEvicted_WithoutChangingTheOutcome()
    {
        var limiter = new RateLimiter(clock);
        for (var k = 0; k < 50; k++) limiter.TryAcquire("key" + k, "chat", 1, out _);
        Assert.Equal(50, limiter.BucketCount);

        clock.Advance(TimeSpan.FromMinutes(6));
        Assert.True(limiter.TryAcquire("fresh", "chat", 1, out _)); // the call that sweeps
        Assert.Equal(1, limiter.BucketCount);
        Assert.True(limiter.TryAcquire("key0", "chat", 1, out _));
        Assert.False(limiter.TryAcquire("key0", "chat", 1, out _));
    }

    [Fact]
    public async Task TryAcquire_ConcurrentCallers_NeverGetMoreThanTheLimit()
    {
        var limiter = new RateLimiter(clock);
        var allowed = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 1_000; i++)
                if (limiter.TryAcquire("key1", "chat", 500, out _)) Interlocked.Increment(ref allowed);
        })));
        Assert.Equal(500, allowed);
    }

    [Fact]
    public void TryAcquire_AfterTheFirstCall_AllocatesNothing()
    {
        var limiter = new RateLimiter(clock);
        for (var i = 0; i < 100; i++) limiter.TryAcquire("key1", "chat", 1_000_000, out _);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++) limiter.TryAcquire("key1", "chat", 1_000_000, out _);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void RetryAfterHeader_RoundsUpToWholeSeconds()
    {
        Assert.Equal("1", LimitProblems.RetryAfterSeconds(TimeSpan.FromMilliseconds(10)));
        Assert.Equal("3", LimitProblems.RetryAfterSeconds(TimeSpan.FromSeconds(2.2)));
        var problem = LimitProblems.RateLimited(TimeSpan.FromSeconds(19.5));
        Assert.Equal((429, "rate_limited", "20"), (problem.Status, problem.Code, problem.Headers["Retry-After"]));
        Assert.Equal((429, "quota_exhausted"), (LimitProblems.QuotaExhausted(TimeSpan.FromDays(3)).Status, LimitProblems.QuotaExhausted(TimeSpan.FromDays(3)).Code));
    }
}
