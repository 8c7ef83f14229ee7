namespace ModelGate.Directory;

/// <summary>
/// What a delta round says about one group: its display name (when Graph sent one), whether it is gone, and the
/// members added and removed. In a first round every current member counts as added.
/// </summary>
public sealed record GroupChange(
    string Id,
    string? DisplayName,
    bool Removed,
    IReadOnlyList<DirectoryMember> MembersAdded,
    IReadOnlyList<DirectoryMember> MembersRemoved);
