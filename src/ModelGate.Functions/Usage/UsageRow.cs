using System.Globalization;
using ModelGate.Storage;

namespace ModelGate.Usage;

/// <summary>
/// One instance's cumulative totals for one key on one deployment and UTC day: a row of the Usage table
/// (PartitionKey "yyyyMMdd|deployment", RowKey "keyId|instanceId"). Each instance writes only its own rows,
/// and always whole totals, so a repeated write changes nothing and instances never contend.
/// </summary>
public sealed record UsageRow(
    DateOnly Day,
    string Deployment,
    string KeyId,
    string UserId,
    string InstanceId,
    long Calls,
    long Errors,
    long PromptTokens,
    long CompletionTokens,
    long BytesIn,
    long BytesOut,
    long LatencyMsTotal,
    long CostMicros)
{
    /// <summary>Cost is kept in millionths: prices have at most 6 decimals, so sums stay exact.</summary>
    public const decimal MicrosPerUnit = 1_000_000m;

    public string PartitionKey => PartitionKeyFor(Day, Deployment);

    public string RowKey => KeyId + "|" + InstanceId;

    public static string PartitionKeyFor(DateOnly day, string deployment) => DayText(day) + "|" + deployment;

    /// <summary>The day part of a partition key; partitions of one day sort together, so a date range is a key range.</summary>
    public static string DayText(DateOnly day) => day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public TableEntity ToEntity() => new(PartitionKey, RowKey)
    {
        ["UserId"] = UserId,
        ["Day"] = Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["Deployment"] = Deployment,
        ["KeyId"] = KeyId,
        ["Calls"] = Calls,
        ["Errors"] = Errors,
        ["PromptTokens"] = PromptTokens,
        ["CompletionTokens"] = CompletionTokens,
        ["BytesIn"] = BytesIn,
        ["BytesOut"] = BytesOut,
        ["LatencyMsTotal"] = LatencyMsTotal,
        ["CostMicros"] = CostMicros,
    };

    public static UsageRow FromEntity(TableEntity e)
    {
        var rowKey = e.RowKey;
        var bar = rowKey.IndexOf('|', StringComparison.Ordinal);
        return new UsageRow(
            DateOnly.ParseExact(e.GetString("Day") ?? "", "yyyy-MM-dd", CultureInfo.InvariantCulture),
            e.GetString("Deployment") ?? "",
            e.GetString("KeyId") ?? "",
            e.GetString("UserId") ?? "",
            bar < 0 ? "" : rowKey[(bar + 1)..],
            e.GetInt64("Calls") ?? 0,
            e.GetInt64("Errors") ?? 0,
            e.GetInt64("PromptTokens") ?? 0,
            e.GetInt64("CompletionTokens") ?? 0,
            e.GetInt64("BytesIn") ?? 0,
            e.GetInt64("BytesOut") ?? 0,
            e.GetInt64("LatencyMsTotal") ?? 0,
            e.GetInt64("CostMicros") ?? 0);
    }
}

/// <summary>Which usage rows to read: an inclusive range of UTC days, optionally one deployment and one user.</summary>
public sealed record UsageQuery(DateOnly From, DateOnly To, string? Deployment = null, string? UserId = null)
{
    public bool Matches(UsageRow row) =>
        row.Day >= From && row.Day <= To
        && (Deployment is null || string.Equals(row.Deployment, Deployment, StringComparison.Ordinal))
        && (UserId is null || string.Equals(row.UserId, UserId, StringComparison.Ordinal));

    /// <summary>The OData filter, every value a literal (TableFilter), never text pasted into the query.</summary>
    public string ToFilter()
    {
        var clauses = new List<string>(3)
        {
            // Partition keys start with yyyyMMdd, so "ge from-day and lt day-after-to" selects exactly the range.
            TableFilter.Create($"PartitionKey ge {UsageRow.DayText(From)} and PartitionKey lt {UsageRow.DayText(To.AddDays(1))}"),
        };
        if (Deployment is not null) clauses.Add(TableFilter.Create($"Deployment eq {Deployment}"));
        if (UserId is not null) clauses.Add(TableFilter.Create($"UserId eq {UserId}"));
        return string.Join(" and ", clauses);
    }
}
