namespace ModelGate.DevHost.Graph;

/// <summary>A member as <c>members@delta</c> names it: its id and whether it is a user or a group.</summary>
internal readonly record struct DirectoryMemberRef(string Id, DirectoryObjectKind Kind)
{
    public string ODataType => Kind == DirectoryObjectKind.User ? "#microsoft.graph.user" : "#microsoft.graph.group";
}
