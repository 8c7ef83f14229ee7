namespace ModelGate.DevHost.Graph;

/// <summary>A group that changed, with the change type a notification names: created, updated or deleted.</summary>
internal sealed record GroupNotice(string GroupId, string ChangeType);
