using System.Globalization;
using ModelGate.Deployments;
using ModelGate.Identity;
using ModelGate.Problems;

namespace ModelGate.Usage;

/// <summary>
/// /api/me/usage (the caller's own calls) and /api/usage (Admin: everyone's): calls, errors, tokens and
/// cost per UTC day, deployment and key, summed over instances. This instance's unflushed calls are
/// included (read from memory), so a caller sees their calls at once on the instance that served them;
/// other instances' calls appear after their next flush.
/// </summary>
public static class UsageApi
{
    public const int DefaultDays = 30;
    public const int MaxDays = 366;

    public sealed record UsageItem(DateOnly Day, string Deployment, string KeyId, string UserId, long Calls, long Errors,
        long PromptTokens, long CompletionTokens, long BytesIn, long BytesOut, double AvgLatencyMs, decimal Cost);

    public sealed record UsageTotals(long Calls, long Errors, long PromptTokens, long CompletionTokens, decimal Cost);

    /// <summary>Usage is summed per day and key, so the answer is always complete: continuation is always null.</summary>
    public sealed record UsageResponse(IReadOnlyList<UsageItem> Items, UsageTotals Totals, string? Continuation);

    public static RouteGroupBuilder MapUsageApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api").RequireAuthorization().WithTags("Usage");
        group.MapGet("me/usage", Mine).Produces<UsageResponse>();
        group.MapGet("usage", All).Produces<UsageResponse>();
        return group;
    }

    /// <summary>The caller's own calls, by any of their keys; ?from=&amp;to= (UTC days, default the last 30).</summary>
    public static async Task<IResult> Mine(HttpContext http, CurrentUser user, UsageMeter meter, TimeProvider time)
    {
        var validation = new Validation();
        var (from, to) = ReadRange(http.Request, validation, time);
        validation.ThrowIfAny();
        var rows = await meter.ReadAsync(new UsageQuery(from, to, UserId: user.Id), http.RequestAborted);
        return Results.Json(Summarize(rows), ApiJson.Options);
    }

    /// <summary>Everyone's calls (Admin); ?from=&amp;to=&amp;deployment=&amp;user= (user is the tenant:object id).</summary>
    public static async Task<IResult> All(HttpContext http, CurrentUser user, UsageMeter meter, TimeProvider time)
    {
        user.RequireAdmin();
        var validation = new Validation();
        var (from, to) = ReadRange(http.Request, validation, time);
        var deployment = Optional(http.Request, "deployment");
        if (deployment is not null && !DeploymentCatalog.IsValidName(deployment))
            validation.Add("deployment", "A deployment name: a DNS label of a-z, 0-9 and '-'.");
        var userId = Optional(http.Request, "user");
        if (userId is not null && (userId.Length > 300 || !userId.Contains(':') || !Text.IsPrintable(userId, allowLineBreaks: false)))
            validation.Add("user", "A user id: tenant id and object id joined by ':'.");
        validation.ThrowIfAny();

        var rows = await meter.ReadAsync(new UsageQuery(from, to, deployment, userId), http.RequestAborted);
        return Results.Json(Summarize(rows), ApiJson.Options);
    }

    /// <summary>Sums instances' rows per day, deployment, key and user; cost from the micro-units counted at call time.</summary>
    public static UsageResponse Summarize(IEnumerable<UsageRow> rows)
    {
        var items = rows
            .GroupBy(r => (r.Day, r.Deployment, r.KeyId, r.UserId))
            .Select(g =>
            {
                var calls = g.Sum(r => r.Calls);
                var latency = g.Sum(r => r.LatencyMsTotal);
                return new UsageItem(g.Key.Day, g.Key.Deployment, g.Key.KeyId, g.Key.UserId, calls, g.Sum(r => r.Errors),
                    g.Sum(r => r.PromptTokens), g.Sum(r => r.CompletionTokens), g.Sum(r => r.BytesIn), g.Sum(r => r.BytesOut),
                    calls == 0 ? 0 : Math.Round((double)latency / calls, 1), g.Sum(r => r.CostMicros) / UsageRow.MicrosPerUnit);
            })
            .OrderBy(i => i.Day).ThenBy(i => i.Deployment, StringComparer.Ordinal).ThenBy(i => i.KeyId, StringComparer.Ordinal)
            .ThenBy(i => i.UserId, StringComparer.Ordinal)
            .ToArray();
        var totals = new UsageTotals(items.Sum(i => i.Calls), items.Sum(i => i.Errors), items.Sum(i => i.PromptTokens),
            items.Sum(i => i.CompletionTokens), items.Sum(i => i.Cost));
        return new UsageResponse(items, totals, null);
    }

    /// <summary>?from= and ?to= as UTC days (yyyy-MM-dd), inclusive; by default the last 30 days up to today.</summary>
    private static (DateOnly From, DateOnly To) ReadRange(HttpRequest request, Validation validation, TimeProvider time)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var to = Day(validation, "to", Optional(request, "to")) ?? today;
        var from = Day(validation, "from", Optional(request, "from")) ?? to.AddDays(-(DefaultDays - 1));
        if (from > to) validation.Add("from", "Must not be after 'to'.");
        else if (to.DayNumber - from.DayNumber + 1 > MaxDays) validation.Add("to", $"A range of at most {MaxDays} days.");
        return (from, to);
    }

    private static DateOnly? Day(Validation validation, string field, string? value)
    {
        if (value is null) return null;
        // Years are bounded so that the day after 'to' always exists.
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            && day.Year is >= 2000 and <= 9998)
            return day;
        validation.Add(field, "A UTC day as yyyy-MM-dd (years 2000 to 9998).");
        return null;
    }

    private static string? Optional(HttpRequest request, string name)
    {
        var value = request.Query[name].ToString();
        return value.Length == 0 ? null : value;
    }
}
