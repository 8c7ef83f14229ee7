namespace ModelGate.DevHost.Graph;

/// <summary>A subscription and the directory version up to which its changes have been notified.</summary>
internal sealed record SubscriptionState(GraphSubscription Subscription, long NotifiedVersion);
