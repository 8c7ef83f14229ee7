namespace ModelGate.Hosting;

/// <summary>
/// Work the Functions host runs on a schedule. Each job has a timer function of the same name
/// (<c>Functions/&lt;Name&gt;/function.json</c>, copied to the package root on publish) whose schedule equals
/// <see cref="Schedule"/>; the host invokes it as <c>POST /&lt;Name&gt;</c>. A run may be repeated (a retried or
/// past-due invocation), so a job must be idempotent.
/// </summary>
public interface ITimerJob
{
    /// <summary>The function name: letters, digits, '-' or '_', starting with a letter.</summary>
    string Name { get; }

    /// <summary>A 6-field NCRONTAB schedule (see <see cref="CronSchedule"/>), in UTC.</summary>
    string Schedule { get; }

    Task RunAsync(CancellationToken cancellationToken);
}
