namespace ModelGate.DevHost.Graph;

/// <summary>What a member of a group is; groups nest, so a member can be a group.</summary>
internal enum DirectoryObjectKind
{
    User,
    Group,
}
