namespace ModelGate.DevHost.Graph;

/// <summary>
/// What one delta item says about a group: its current name and the members added and removed since the round's
/// start, or, when <see cref="RemovedReason"/> is set, that it is gone.
/// </summary>
internal sealed record GroupDeltaItem(
    string Id,
    string? DisplayName,
    string? RemovedReason,
    IReadOnlyList<DirectoryMemberRef> MembersAdded,
    IReadOnlyList<DirectoryMemberRef> MembersRemoved);
