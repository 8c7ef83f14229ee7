namespace ModelGate.DevHost.Graph;

/// <summary>
/// What a <c>$deltatoken</c> stands for: the directory version the next round reports changes after, the scope it
/// was issued for, and the fault epoch it belongs to (tokens of an older epoch have expired).
/// </summary>
internal sealed record DeltaToken(long Version, DeltaScope Scope, long Epoch);
