namespace ModelGate.DevHost.Graph;

/// <summary>What a delta round covers: the filtered group ids (null for every group) and the selected properties.</summary>
internal sealed record DeltaScope(IReadOnlySet<string>? GroupIds, DeltaSelection Selection);
