namespace ModelGate.DevHost.Graph;

/// <summary>The changes to groups that deltas and notifications report.</summary>
internal enum DirectoryChangeKind
{
    GroupCreated,
    GroupRenamed,

    /// <summary>Deleted but restorable, as Entra keeps deleted groups for 30 days; delta says <c>"reason":"changed"</c>.</summary>
    GroupSoftDeleted,

    /// <summary>Deleted for good; delta says <c>"reason":"deleted"</c>.</summary>
    GroupDeleted,
    MemberAdded,
    MemberRemoved,
}
