namespace ModelGate.DevHost.Graph;

/// <summary>The groups a delta round reports, and the directory version its delta link will continue from.</summary>
internal sealed record GroupDeltaRound(long Version, IReadOnlyList<GroupDeltaItem> Items);
