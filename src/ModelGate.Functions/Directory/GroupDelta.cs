namespace ModelGate.Directory;

/// <summary>One delta round for a set of groups: the groups that changed, and the link that continues from here.</summary>
/// <param name="Groups">One entry per group, in the order Graph first named them.</param>
/// <param name="DeltaLink">Store it and pass it to the next round; it names the groups it was made for.</param>
public sealed record GroupDelta(IReadOnlyList<GroupChange> Groups, string DeltaLink);
