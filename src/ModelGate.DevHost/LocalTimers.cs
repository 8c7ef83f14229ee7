using ModelGate.Hosting;

namespace ModelGate.DevHost;

/// <summary>
/// The local run's stand-in for the Functions host's timer triggers: runs every timer job of the app on its own
/// NCRONTAB schedule, calling the same <see cref="ITimerJob.RunAsync"/> the host reaches through <c>POST /&lt;Name&gt;</c>.
/// Unlike the host (where runOnStartup stays off), it also runs each job once at start, in registration order, so a
/// fresh local run subscribes to Graph and refreshes groups without waiting for the quarter hour.
/// </summary>
public sealed class LocalTimers : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _running;

    private LocalTimers(IReadOnlyList<ITimerJob> jobs, TimeProvider clock, Action<string> log) =>
        _running = RunAsync(jobs, clock, log, _stopping.Token);

    public static LocalTimers Start(IEnumerable<ITimerJob> jobs, TimeProvider clock, Action<string> log) => new([.. jobs], clock, log);

    /// <summary>The next time <paramref name="job"/> runs after <paramref name="now"/>, from its schedule (UTC, as the host reads it).</summary>
    public static DateTimeOffset? NextRun(ITimerJob job, DateTimeOffset now) =>
        CronSchedule.Parse(job.Schedule).NextAfter(now.UtcDateTime) is { } next ? new DateTimeOffset(next, TimeSpan.Zero) : null;

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _running;
        _stopping.Dispose();
    }

    private static async Task RunAsync(IReadOnlyList<ITimerJob> jobs, TimeProvider clock, Action<string> log, CancellationToken stopping)
    {
        try
        {
            foreach (var job in jobs) await RunOnceAsync(job, log, stopping);
            await Task.WhenAll(jobs.Select(job => LoopAsync(job, clock, log, stopping)));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopped with the local run.
        }
    }

    private static async Task LoopAsync(ITimerJob job, TimeProvider clock, Action<string> log, CancellationToken stopping)
    {
        while (NextRun(job, clock.GetUtcNow()) is { } next)
        {
            var wait = next - clock.GetUtcNow();
            if (wait > TimeSpan.Zero) await Task.Delay(wait, clock, stopping);
            await RunOnceAsync(job, log, stopping);
        }
    }

    // A failed run is reported and the schedule goes on, as the host would record a failed invocation.
    private static async Task RunOnceAsync(ITimerJob job, Action<string> log, CancellationToken stopping)
    {
        try
        {
            await job.RunAsync(stopping);
        }
        catch (Exception failure) when (!stopping.IsCancellationRequested)
        {
            log($"Timer job {job.Name} failed: {failure.Message}");
        }
    }
}
