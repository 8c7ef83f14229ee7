using ModelGate.DevHost;
using ModelGate.Hosting;

namespace ModelGate.Tests.DevHost;

/// <summary>The local run's scheduler, which stands in for the Functions host's timer triggers.</summary>
public sealed class LocalTimersTests
{
    [Fact]
    public void NextRun_FollowsTheJobsNcrontabScheduleInUtc()
    {
        var job = new Job("RefreshExternalGroups", "0 */15 * * * *");

        Assert.Equal(new DateTimeOffset(2026, 11, 22, 10, 15, 0, TimeSpan.Zero), LocalTimers.NextRun(job, new DateTimeOffset(2026, 11, 22, 10, 7, 30, TimeSpan.Zero)));
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 10, 30, 0, TimeSpan.Zero), LocalTimers.NextRun(job, new DateTimeOffset(2026, 11, 22, 11, 15, 0, TimeSpan.FromHours(1))));
    }

    [Fact]
    public async Task Start_RunsEveryJobOnceInOrder_AndAFailingJobDoesNotStopTheOthers()
    {
        var runs = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var first = new Job("First", "0 0 0 1 1 *", () => throw new InvalidOperationException("broken"), runs);
        var second = new Job("Second", "0 0 0 1 1 *", null, runs);

        await using (LocalTimers.Start([first, second], TimeProvider.System, log.Enqueue))
        {
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (runs.Count < 2 && DateTime.UtcNow < deadline) await Task.Delay(20);
        }

        Assert.Equal(["First", "Second"], runs);
        Assert.Contains(log, line => line.Contains("First") && line.Contains("broken"));
    }

    private sealed record Job(string Name, string Schedule, Action? Fail = null, System.Collections.Concurrent.ConcurrentQueue<string>? Runs = null) : ITimerJob
    {
        public Task RunAsync(CancellationToken cancellationToken)
        {
            Runs?.Enqueue(Name);
            Fail?.Invoke();
            return Task.CompletedTask;
        }
    }
}
