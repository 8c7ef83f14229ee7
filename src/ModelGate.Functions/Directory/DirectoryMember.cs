namespace ModelGate.Directory;

/// <summary>A member of a group, by object id.</summary>
public sealed record DirectoryMember(string Id, MemberKind Kind);
