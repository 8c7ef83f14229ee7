using System.ComponentModel.DataAnnotations;

namespace ModelGate.GroupFreshness;

/// <summary>How sign-in records are kept fresh from Microsoft Graph (section "GroupFreshness").</summary>
public sealed class GroupFreshnessOptions
{
    public const string Section = "GroupFreshness";

    /// <summary>
    /// False turns the refresh, the subscription and the processing of notifications off (the timers then return at
    /// once and the webhook still answers Graph). Graph:Enabled false turns them off as well.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How long the notification worker waits after a notification before refreshing, so a burst of changes (Graph
    /// sends one post per change, seconds apart) costs one refresh.
    /// </summary>
    [Range(0, 60_000)]
    public int CoalesceMilliseconds { get; set; } = 1000;

    /// <summary>
    /// How long a refresh may hold its lease before another may take over (it renews the lease while it works, so
    /// this bounds only how long a crashed run blocks the next).
    /// </summary>
    [Range(30, 3600)]
    public int LeaseSeconds { get; set; } = 300;
}
