namespace ModelGate.DevHost.Graph;

/// <summary>
/// What the fake has answered. <see cref="Total"/> counts HTTP requests; the per-endpoint counts count operations,
/// whether they came alone or inside a <c>$batch</c>, and include throttled attempts, so a throttled request and its
/// retry count twice.
/// </summary>
public sealed class GraphCounters
{
    private long _delta;
    private long _batch;
    private long _batchItems;
    private long _checkMemberGroups;
    private long _transitiveMemberOf;
    private long _subscriptions;
    private long _users;
    private long _throttled;
    private long _unauthorized;
    private long _validationRequests;
    private long _notificationsSent;
    private long _seedReloads;
    private long _total;

    /// <summary>Pages of <c>/groups/delta</c>, first rounds, next links and delta links alike.</summary>
    public long Delta => Interlocked.Read(ref _delta);

    /// <summary><c>$batch</c> requests.</summary>
    public long Batch => Interlocked.Read(ref _batch);

    /// <summary>Requests carried inside <c>$batch</c> requests, throttled ones included.</summary>
    public long BatchItems => Interlocked.Read(ref _batchItems);

    /// <summary><c>checkMemberGroups</c> operations.</summary>
    public long CheckMemberGroups => Interlocked.Read(ref _checkMemberGroups);

    /// <summary>Pages of <c>transitiveMemberOf</c>.</summary>
    public long TransitiveMemberOf => Interlocked.Read(ref _transitiveMemberOf);

    /// <summary>Operations on <c>/subscriptions</c>: create, renew, delete, read.</summary>
    public long Subscriptions => Interlocked.Read(ref _subscriptions);

    /// <summary><c>GET /users/{id}</c> operations.</summary>
    public long Users => Interlocked.Read(ref _users);

    /// <summary>Answers of 429, to whole requests or to batch items.</summary>
    public long Throttled => Interlocked.Read(ref _throttled);

    /// <summary>Requests refused with 401 for want of a bearer token.</summary>
    public long Unauthorized => Interlocked.Read(ref _unauthorized);

    /// <summary>Validation handshakes the fake sent to notification URLs.</summary>
    public long ValidationRequests => Interlocked.Read(ref _validationRequests);

    /// <summary>Change and lifecycle notification posts the fake sent, answered or not.</summary>
    public long NotificationsSent => Interlocked.Read(ref _notificationsSent);

    /// <summary>Times the seed file was read again after it changed and applied to the directory.</summary>
    public long SeedReloads => Interlocked.Read(ref _seedReloads);

    /// <summary>Every HTTP request that reached the fake, whatever its answer.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>Starts every count again from zero, so a test can count only what follows its setup.</summary>
    public void Reset()
    {
        Interlocked.Exchange(ref _delta, 0);
        Interlocked.Exchange(ref _batch, 0);
        Interlocked.Exchange(ref _batchItems, 0);
        Interlocked.Exchange(ref _checkMemberGroups, 0);
        Interlocked.Exchange(ref _transitiveMemberOf, 0);
        Interlocked.Exchange(ref _subscriptions, 0);
        Interlocked.Exchange(ref _users, 0);
        Interlocked.Exchange(ref _throttled, 0);
        Interlocked.Exchange(ref _unauthorized, 0);
        Interlocked.Exchange(ref _validationRequests, 0);
        Interlocked.Exchange(ref _notificationsSent, 0);
        Interlocked.Exchange(ref _seedReloads, 0);
        Interlocked.Exchange(ref _total, 0);
    }

    internal void CountRequest() => Interlocked.Increment(ref _total);

    internal void CountUnauthorized() => Interlocked.Increment(ref _unauthorized);

    internal void CountThrottled() => Interlocked.Increment(ref _throttled);

    internal void CountBatchItem() => Interlocked.Increment(ref _batchItems);

    internal void CountValidationRequest() => Interlocked.Increment(ref _validationRequests);

    internal void CountNotificationSent() => Interlocked.Increment(ref _notificationsSent);

    internal void CountSeedReload() => Interlocked.Increment(ref _seedReloads);

    internal void Count(GraphEndpoint endpoint)
    {
        switch (endpoint)
        {
            case GraphEndpoint.GroupsDelta:
                Interlocked.Increment(ref _delta);
                break;
            case GraphEndpoint.Batch:
                Interlocked.Increment(ref _batch);
                break;
            case GraphEndpoint.CheckMemberGroups:
                Interlocked.Increment(ref _checkMemberGroups);
                break;
            case GraphEndpoint.TransitiveMemberOf:
                Interlocked.Increment(ref _transitiveMemberOf);
                break;
            case GraphEndpoint.Subscriptions:
                Interlocked.Increment(ref _subscriptions);
                break;
            case GraphEndpoint.User:
                Interlocked.Increment(ref _users);
                break;
        }
    }
}
