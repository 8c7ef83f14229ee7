namespace ModelGate.DevHost.Graph;

/// <summary>
/// The subscriptions clients created. An expired subscription is gone, as in Graph: it cannot be read or renewed
/// and receives nothing.
/// </summary>
internal sealed class SubscriptionStore(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SubscriptionState> _subscriptions = new(StringComparer.OrdinalIgnoreCase);

    public void Add(GraphSubscription subscription, long notifiedVersion)
    {
        lock (_gate)
        {
            _subscriptions[subscription.Id] = new SubscriptionState(subscription, notifiedVersion);
        }
    }

    public GraphSubscription? Find(string id)
    {
        lock (_gate)
        {
            return Live(id)?.Subscription;
        }
    }

    /// <summary>Replaces a live subscription with what <paramref name="change"/> makes of it; null when there is none.</summary>
    public GraphSubscription? Update(string id, Func<GraphSubscription, GraphSubscription> change)
    {
        lock (_gate)
        {
            if (Live(id) is not { } state)
            {
                return null;
            }

            var updated = change(state.Subscription);
            _subscriptions[state.Subscription.Id] = state with { Subscription = updated };
            return updated;
        }
    }

    public bool Remove(string id)
    {
        lock (_gate)
        {
            return Live(id) is not null && _subscriptions.Remove(id);
        }
    }

    public IReadOnlyList<SubscriptionState> LiveStates()
    {
        lock (_gate)
        {
            Purge();
            return [.. _subscriptions.Values.OrderBy(s => s.Subscription.Id, StringComparer.Ordinal)];
        }
    }

    public void MarkNotified(string id, long version)
    {
        lock (_gate)
        {
            if (_subscriptions.TryGetValue(id, out var state) && state.NotifiedVersion < version)
            {
                _subscriptions[id] = state with { NotifiedVersion = version };
            }
        }
    }

    private SubscriptionState? Live(string id)
    {
        Purge();
        return _subscriptions.GetValueOrDefault(id);
    }

    private void Purge()
    {
        var now = time.GetUtcNow();
        foreach (var expired in _subscriptions.Values.Where(s => s.Subscription.ExpirationDateTime <= now).ToList())
        {
            _subscriptions.Remove(expired.Subscription.Id);
        }
    }
}
