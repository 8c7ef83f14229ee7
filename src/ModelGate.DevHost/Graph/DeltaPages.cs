namespace ModelGate.DevHost.Graph;

/// <summary>
/// A delta round longer than a page, kept whole so every <c>$skiptoken</c> reads the same snapshot (and a retried
/// page answers the same again); the last page names <see cref="FinalToken"/> in its delta link.
/// </summary>
internal sealed record DeltaPages(IReadOnlyList<GroupDeltaItem> Entries, DeltaSelection Selection, string FinalToken, long Epoch);
