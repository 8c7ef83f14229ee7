namespace ModelGate.DevHost.Graph;

/// <summary>
/// One entry of the directory's change log. Every change made by one call shares its <see cref="Version"/>, so a
/// delta token (a version) never splits a call's changes.
/// </summary>
internal sealed record DirectoryChange(long Version, DirectoryChangeKind Kind, string GroupId, string? MemberId = null, DirectoryObjectKind MemberKind = DirectoryObjectKind.User);
