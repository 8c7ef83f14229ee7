using System.Text.Json;

namespace ModelGate.DevHost.Graph;

/// <summary>
/// Sends change notifications for the group changes each subscription has not been told about yet, and lifecycle
/// notifications on request, in Graph's shapes. A delivery that fails is reported, not retried: a subscriber must
/// reconcile with delta anyway, since Graph does not promise delivery either.
/// </summary>
internal sealed class ChangeNotifier(
    TenantDirectory directory,
    SubscriptionStore store,
    NotificationSender sender,
    GraphCounters counters,
    GraphFakeOptions options)
{
    public static readonly string[] LifecycleEvents = ["reauthorizationRequired", "subscriptionRemoved", "missed"];

    // One sender at a time, so a subscription's changes leave in order and none is sent twice.
    private readonly SemaphoreSlim _sending = new(1, 1);

    public async Task<IReadOnlyList<NotificationDelivery>> SendChangesAsync(CancellationToken cancellationToken)
    {
        await _sending.WaitAsync(cancellationToken);
        try
        {
            var deliveries = new List<NotificationDelivery>();
            foreach (var state in store.LiveStates())
            {
                var subscription = state.Subscription;
                var (version, notices) = directory.NoticesSince(state.NotifiedVersion);
                store.MarkNotified(subscription.Id, version);
                var wanted = notices.Where(n => Wants(subscription, n)).ToList();
                if (wanted.Count == 0)
                {
                    continue;
                }

                var body = GraphResponse.WriteJson(writer => WriteChanges(writer, subscription, wanted));
                deliveries.Add(await DeliverAsync(subscription, subscription.NotificationUrl, null, wanted.Count, body, cancellationToken));
            }

            return deliveries;
        }
        finally
        {
            _sending.Release();
        }
    }

    public async Task<NotificationDelivery> SendLifecycleAsync(string subscriptionId, string lifecycleEvent, CancellationToken cancellationToken)
    {
        if (!LifecycleEvents.Contains(lifecycleEvent, StringComparer.Ordinal))
        {
            throw new ArgumentException($"Lifecycle events are {string.Join(", ", LifecycleEvents)}.", nameof(lifecycleEvent));
        }

        var subscription = store.Find(subscriptionId)
            ?? throw new ArgumentException($"No live subscription '{subscriptionId}'.", nameof(subscriptionId));
        var url = subscription.LifecycleNotificationUrl
            ?? throw new InvalidOperationException($"Subscription '{subscriptionId}' has no lifecycleNotificationUrl.");

        var body = GraphResponse.WriteJson(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("value");
            writer.WriteStartObject();
            writer.WriteString("subscriptionId", subscription.Id);
            writer.WriteString("subscriptionExpirationDateTime", GraphTime.Format(subscription.ExpirationDateTime));
            writer.WriteString("tenantId", options.TenantId);
            WriteClientState(writer, subscription);
            writer.WriteString("lifecycleEvent", lifecycleEvent);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        });
        await _sending.WaitAsync(cancellationToken);
        try
        {
            return await DeliverAsync(subscription, url, lifecycleEvent, 1, body, cancellationToken);
        }
        finally
        {
            _sending.Release();
        }
    }

    private static bool Wants(GraphSubscription subscription, GroupNotice notice) =>
        subscription.ChangeTypes.Contains(notice.ChangeType, StringComparer.Ordinal)
        && (subscription.GroupId is null || subscription.GroupId == notice.GroupId);

    private static void WriteClientState(Utf8JsonWriter writer, GraphSubscription subscription)
    {
        if (subscription.ClientState is not null)
        {
            writer.WriteString("clientState", subscription.ClientState);
        }
    }

    private async Task<NotificationDelivery> DeliverAsync(
        GraphSubscription subscription, Uri url, string? lifecycleEvent, int items, byte[] body, CancellationToken cancellationToken)
    {
        counters.CountNotificationSent();
        var (status, failure, elapsed) = await sender.PostJsonAsync(url, body, options.NotificationTimeout, cancellationToken);
        var delivery = new NotificationDelivery(subscription.Id, url, lifecycleEvent, items, status, failure, elapsed);
        if (!delivery.Delivered)
        {
            options.Log?.Invoke($"Graph fake: notification for subscription {subscription.Id} to {url} failed: {failure ?? $"HTTP {status}"}");
        }

        return delivery;
    }

    private void WriteChanges(Utf8JsonWriter writer, GraphSubscription subscription, IReadOnlyList<GroupNotice> notices)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("value");
        foreach (var notice in notices)
        {
            // Graph spells the resource and its type with capitals in group notifications.
            var resource = $"Groups/{notice.GroupId}";
            writer.WriteStartObject();
            writer.WriteString("subscriptionId", subscription.Id);
            writer.WriteString("subscriptionExpirationDateTime", GraphTime.Format(subscription.ExpirationDateTime));
            writer.WriteString("changeType", notice.ChangeType);
            writer.WriteString("resource", resource);
            writer.WriteStartObject("resourceData");
            writer.WriteString("@odata.type", "#Microsoft.Graph.Group");
            writer.WriteString("@odata.id", resource);
            writer.WriteString("id", notice.GroupId);
            writer.WriteString("organizationId", options.TenantId);
            writer.WriteEndObject();
            WriteClientState(writer, subscription);
            writer.WriteString("tenantId", options.TenantId);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
