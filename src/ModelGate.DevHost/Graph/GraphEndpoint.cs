namespace ModelGate.DevHost.Graph;

/// <summary>The operations the fake answers; what <see cref="GraphCounters"/> counts by.</summary>
internal enum GraphEndpoint
{
    GroupsDelta,
    Batch,
    CheckMemberGroups,
    TransitiveMemberOf,
    Subscriptions,
    User,
}
