using System.Globalization;
using ModelGate.Problems;

namespace ModelGate.Limits;

/// <summary>The 429 answers of the limits, each with Retry-After in whole seconds (rounded up, at least 1).</summary>
public static class LimitProblems
{
    public static ApiProblem RateLimited(TimeSpan retryAfter) => WithRetryAfter(new ApiProblem(429, "rate_limited",
        "Too many requests.", "This key has used its requests per minute on this deployment; retry after the time in Retry-After."), retryAfter);

    public static ApiProblem QuotaExhausted(TimeSpan retryAfter) => WithRetryAfter(new ApiProblem(429, "quota_exhausted",
        "Monthly quota used up.", "You have used this month's calls on this deployment; the quota renews at the start of the next UTC month."), retryAfter);

    /// <summary>
    /// Retry-After as delta-seconds: rounded up, so a client that waits exactly that long is allowed (a
    /// microsecond of slack keeps arithmetic noise such as 20.000000001 from adding a second).
    /// </summary>
    public static string RetryAfterSeconds(TimeSpan retryAfter) =>
        Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds - 1e-6)).ToString(CultureInfo.InvariantCulture);

    private static ApiProblem WithRetryAfter(ApiProblem problem, TimeSpan retryAfter)
    {
        problem.Headers["Retry-After"] = RetryAfterSeconds(retryAfter);
        return problem;
    }
}
