namespace ModelGate.DevHost.Graph;

/// <summary>A change notification subscription as a client created it (and renewed it) on the fake.</summary>
public sealed record GraphSubscription(
    string Id,
    string Resource,
    string ChangeType,
    Uri NotificationUrl,
    Uri? LifecycleNotificationUrl,
    DateTimeOffset ExpirationDateTime,
    string? ClientState)
{
    /// <summary>The change types the subscription asked for (created, updated, deleted).</summary>
    public IReadOnlyList<string> ChangeTypes => ChangeType.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The one group the subscription watches, or null when it watches every group.</summary>
    public string? GroupId
    {
        get
        {
            var path = Resource.TrimStart('/');
            var slash = path.IndexOf('/', StringComparison.Ordinal);
            return slash < 0 ? null : path[(slash + 1)..];
        }
    }
}
