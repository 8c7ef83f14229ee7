namespace ModelGate.DevHost.Graph;

/// <summary>One notification post the fake made, and how the notification URL answered it.</summary>
/// <param name="SubscriptionId">The subscription notified.</param>
/// <param name="Url">Where the post went: the notification URL, or the lifecycle notification URL.</param>
/// <param name="LifecycleEvent">The lifecycle event sent, or null for change notifications.</param>
/// <param name="Items">Notifications in the post's <c>value</c> array.</param>
/// <param name="StatusCode">The status the URL answered, or null when it did not answer.</param>
/// <param name="Failure">Why the delivery failed (no answer, timeout), or null.</param>
/// <param name="Elapsed">How long the URL took to answer.</param>
public sealed record NotificationDelivery(
    string SubscriptionId,
    Uri Url,
    string? LifecycleEvent,
    int Items,
    int? StatusCode,
    string? Failure,
    TimeSpan Elapsed)
{
    /// <summary>The URL answered 2xx in time.</summary>
    public bool Delivered => Failure is null && StatusCode is >= 200 and <= 299;
}
