namespace ModelGate.DevHost.Graph;

/// <summary>How a <see cref="GraphFake"/> listens, what directory it starts with, and how it pages and calls back.</summary>
public sealed record GraphFakeOptions
{
    /// <summary>Loopback port to listen on; 0 picks a free port.</summary>
    public int Port { get; init; }

    /// <summary>
    /// JSON directory file (users, groups, members) loaded at start and reloaded whenever it changes; the differences
    /// become directory changes, so deltas and notifications follow an edit. Null starts with an empty directory.
    /// </summary>
    public string? SeedPath { get; init; }

    /// <summary>Delay added before every request is answered; the same as setting <see cref="GraphFaults.Latency"/>.</summary>
    public TimeSpan? Latency { get; init; }

    /// <summary>
    /// The most items one page carries (groups in a delta page, groups in a transitiveMemberOf page, members of one
    /// group in one delta item). A client's <c>$top</c> can ask for less, never more.
    /// </summary>
    public int PageSize { get; init; } = 100;

    /// <summary>The tenant named in change notifications (<c>tenantId</c>, <c>organizationId</c>).</summary>
    public string TenantId { get; init; } = "6f1c2d3e-0a4b-4c5d-8e6f-7a8b9c0d1e2f";

    /// <summary>The client application id the fake names as the creator of subscriptions.</summary>
    public string ApplicationId { get; init; } = "2d1c0b4a-3e5f-4a6b-8c7d-9e0f1a2b3c4d";

    /// <summary>How often the seed file is checked for changes.</summary>
    public TimeSpan SeedPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a notification URL has to echo the validation token when a subscription is created (Graph: 10 s).</summary>
    public TimeSpan ValidationTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a notification URL has to answer a notification before the delivery counts as failed (Graph: 3 s).</summary>
    public TimeSpan NotificationTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// When set, change notifications are sent by themselves this long after a directory change (as Graph does, a
    /// little later). When null they leave only when a test calls <see cref="GraphFake.SendNotificationsAsync"/>.
    /// </summary>
    public TimeSpan? NotificationDelay { get; init; }

    /// <summary>Where the fake reports seed reloads and failed deliveries; null keeps it quiet.</summary>
    public Action<string>? Log { get; init; }
}
