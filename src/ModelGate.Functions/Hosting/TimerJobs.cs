using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelGate.Problems;

namespace ModelGate.Hosting;

/// <summary>
/// Registers timer jobs and maps the endpoint through which the Functions host runs each one:
/// <c>POST /&lt;Name&gt;</c>, answered with the custom-handler invocation result the host expects.
/// </summary>
public static partial class TimerJobs
{
    /// <summary>What the host reads back from a timer invocation: nothing to bind, nothing to log.</summary>
    internal const string InvocationResult = """{"Outputs":{},"Logs":[],"ReturnValue":null}""";

    public static IServiceCollection AddTimerJob<TJob>(this IServiceCollection services) where TJob : class, ITimerJob
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITimerJob, TJob>());
        return services;
    }

    /// <summary>
    /// Maps one endpoint per registered job. Refuses to start when a job's name or schedule could not work as a
    /// Functions timer, so a mistake shows at start-up instead of as a timer that never fires.
    /// </summary>
    public static IEndpointRouteBuilder MapTimerJobs(this IEndpointRouteBuilder routes)
    {
        var jobs = routes.ServiceProvider.GetServices<ITimerJob>().ToArray();
        foreach (var job in jobs)
        {
            if (!FunctionName().IsMatch(job.Name))
                throw new InvalidOperationException($"Timer job name '{job.Name}' is not a valid Functions function name.");
            if (!CronSchedule.TryParse(job.Schedule, out _, out var error))
                throw new InvalidOperationException($"Timer job '{job.Name}' has an invalid schedule: {error}");
        }
        var duplicate = jobs.GroupBy(j => j.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"Two timer jobs are named '{duplicate.Key}'; function names ignore case.");

        foreach (var job in jobs)
        {
            // Anonymous: the host calls on loopback without a user token. The forwarded-header check below is
            // what keeps public callers out.
            routes.MapPost("/" + job.Name, (HttpContext http, ILoggerFactory loggers) => RunAsync(job, http, loggers))
                .AllowAnonymous()
                .ExcludeFromDescription();
        }
        return routes;
    }

    private static async Task<IResult> RunAsync(ITimerJob job, HttpContext http, ILoggerFactory loggers)
    {
        // The host's catch-all HTTP function proxies public requests, POST /<Name> included, and marks them with
        // X-Forwarded-* headers; its own timer invocations carry none.
        if (http.Request.Headers.Keys.Any(IsForwardingHeader))
            throw ApiProblem.Forbidden("timer_forwarded_request",
                "Timer functions are run by the Functions host on its schedule, not over public HTTP.");

        var logger = loggers.CreateLogger("ModelGate.Hosting.TimerJobs");
        var started = Stopwatch.GetTimestamp();
        await job.RunAsync(http.RequestAborted);
        logger.LogInformation("Timer job {Job} finished in {ElapsedMs} ms", job.Name, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return Results.Text(InvocationResult, "application/json");
    }

    private static bool IsForwardingHeader(string name) =>
        name.StartsWith("X-Forwarded-", StringComparison.OrdinalIgnoreCase) || name.Equals("Forwarded", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{0,127}$")]
    private static partial Regex FunctionName();
}
