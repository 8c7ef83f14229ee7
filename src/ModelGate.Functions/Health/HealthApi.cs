using System.Diagnostics;
using Azure;
using Azure.Security.KeyVault.Secrets;
using ModelGate.Storage;

namespace ModelGate.Health;

/// <summary>GET /api/health (no auth): can the app reach what it needs to decide? 200 when all can, else 503.</summary>
public static class HealthApi
{
    /// <summary>Read to prove the vault answers and lets us in; it never exists, so 404 is the healthy answer.</summary>
    private const string ProbeSecretName = "modelgate-health-probe";

    public sealed record Check(string Status, long DurationMs, string? Detail);

    public sealed record HealthResponse(string Status, IReadOnlyDictionary<string, Check> Checks);

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/health", Get).AllowAnonymous().WithTags("Operations").Produces<HealthResponse>().Produces<HealthResponse>(503);
        return routes;
    }

    public static async Task<IResult> Get(Tables tables, SecretClient secrets, HttpContext http)
    {
        var table = ProbeAsync(async ct => await tables.Settings.GetEntityIfExistsAsync("health", "probe", cancellationToken: ct), http.RequestAborted);
        var vault = ProbeAsync(async ct =>
        {
            try
            {
                await secrets.GetSecretAsync(ProbeSecretName, cancellationToken: ct);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                // Reached and authorized: the probe secret is meant not to exist.
            }
        }, http.RequestAborted);
        var checks = new Dictionary<string, Check> { ["table_storage"] = await table, ["key_vault"] = await vault };
        var healthy = checks.Values.All(c => c.Status == "healthy");
        return Results.Json(new HealthResponse(healthy ? "healthy" : "unhealthy", checks), Problems.ApiJson.Options,
            statusCode: healthy ? 200 : 503);
    }

    private static async Task<Check> ProbeAsync(Func<CancellationToken, Task> probe, CancellationToken requestAborted)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var started = Stopwatch.GetTimestamp();
        try
        {
            await probe(timeout.Token);
            return new Check("healthy", (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, null);
        }
        catch (Exception e) when (e is OperationCanceledException || Problems.ProblemResponses.IsDependencyFailure(e)
                                  || e is RequestFailedException)
        {
            var detail = e switch
            {
                RequestFailedException { Status: > 0 } r => $"HTTP {r.Status} {r.ErrorCode}".TrimEnd(),
                AggregateException { InnerExceptions: [.., RequestFailedException { Status: > 0 } r] } => $"HTTP {r.Status} {r.ErrorCode}".TrimEnd(),
                OperationCanceledException => "No answer within 5 s.",
                _ => "Not reachable.",
            };
            return new Check("unhealthy", (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, detail);
        }
    }
}
