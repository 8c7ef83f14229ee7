using System.ComponentModel.DataAnnotations;

namespace ModelGate.Usage;

/// <summary>How often metered calls reach Table Storage (section "Usage").</summary>
public sealed class UsageOptions
{
    public const string Section = "Usage";

    /// <summary>
    /// Seconds between flushes: the most a crashed instance can lose (a graceful stop flushes everything),
    /// and how late other instances' calls appear in usage reports.
    /// </summary>
    [Range(1, 3600)]
    public int FlushSeconds { get; set; } = 10;
}
