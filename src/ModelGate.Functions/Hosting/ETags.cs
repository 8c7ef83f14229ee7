using Azure;
using ModelGate.Problems;

namespace ModelGate.Hosting;

/// <summary>Optimistic concurrency over HTTP: ETag out, If-Match in.</summary>
public static class ETags
{
    /// <summary>The If-Match the caller sent, or null when it sent none (the server then retries conflicts itself).</summary>
    public static ETag? IfMatch(HttpRequest request)
    {
        var value = request.Headers.IfMatch.ToString();
        if (value.Length == 0) return null;
        if (value.Contains(',')) throw ApiProblem.BadRequest("invalid_if_match", "Send a single ETag in If-Match.");
        return new ETag(value.Trim());
    }

    public static void Set(HttpResponse response, ETag etag) => response.Headers.ETag = etag.ToString("H");

    /// <summary>
    /// Runs a read-modify-write. With the caller's If-Match a conflict is the caller's to resolve (412);
    /// without it the write is retried against a fresh read, so concurrent writers never lose an update.
    /// </summary>
    public static async Task<T> RetryOnConflictAsync<T>(ETag? ifMatch, Func<Task<T>> readModifyWrite)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await readModifyWrite();
            }
            catch (ApiProblem problem) when (problem.Code == "precondition_failed" && ifMatch is null && attempt < 10)
            {
                await Task.Delay(Random.Shared.Next(5, 20 * attempt));
            }
        }
    }
}
