using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace ModelGate.DevHost.Graph;

/// <summary>
/// Microsoft Graph v1.0 on 127.0.0.1 over HTTP, speaking the wire protocol the real <c>GraphServiceClient</c> uses
/// for what ModelGate needs: group delta, <c>$batch</c>, <c>checkMemberGroups</c>, <c>transitiveMemberOf</c>, reading a
/// user by id and change notification subscriptions. Tests drive the <see cref="Directory"/>, inject <see cref="Faults"/>,
/// read the <see cref="Counters"/> and send notifications; local runs seed the directory from a file that is reloaded
/// on edit.
/// </summary>
public sealed class GraphFake : IAsyncDisposable
{
    private const long MaxRequestBodyBytes = 4 * 1024 * 1024;

    private readonly WebApplication _app;
    private readonly NotificationSender _sender;
    private readonly SubscriptionStore _subscriptions;
    private readonly ChangeNotifier _notifier;
    private readonly SeedWatcher? _seed;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Channel<bool> _changes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Task _autoNotify;
    private int _disposed;

    private GraphFake(
        WebApplication app,
        int port,
        TenantDirectory directory,
        GraphFaults faults,
        GraphCounters counters,
        NotificationSender sender,
        SubscriptionStore subscriptions,
        ChangeNotifier notifier,
        SeedWatcher? seed,
        GraphFakeOptions options)
    {
        _app = app;
        _sender = sender;
        _subscriptions = subscriptions;
        _notifier = notifier;
        _seed = seed;
        BaseUrl = $"http://127.0.0.1:{port}/v1.0";
        Directory = directory;
        Faults = faults;
        Counters = counters;
        TenantId = options.TenantId;
        _autoNotify = options.NotificationDelay is { } delay ? NotifyOnChangesAsync(delay, options.Log, _stopping.Token) : Task.CompletedTask;
        if (options.NotificationDelay is not null)
        {
            directory.Changed += () => _changes.Writer.TryWrite(true);
        }
    }

    /// <summary>The base URL to give GraphServiceClient: <c>http://127.0.0.1:PORT/v1.0</c>, without a trailing slash.</summary>
    public string BaseUrl { get; }

    /// <summary>The users, groups and memberships the fake serves; change it to make deltas and notifications.</summary>
    public TenantDirectory Directory { get; }

    /// <summary>Failures to inject.</summary>
    public GraphFaults Faults { get; }

    /// <summary>Requests answered, per endpoint.</summary>
    public GraphCounters Counters { get; }

    /// <summary>The tenant named in notifications.</summary>
    public string TenantId { get; }

    /// <summary>The subscriptions clients created that have not expired or been deleted.</summary>
    public IReadOnlyList<GraphSubscription> Subscriptions => [.. _subscriptions.LiveStates().Select(s => s.Subscription)];

    /// <summary>Starts a fake, loading <see cref="GraphFakeOptions.SeedPath"/> when it exists (a broken file refuses to start).</summary>
    public static async Task<GraphFake> StartAsync(GraphFakeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, IPEndPoint.MaxPort);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.PageSize, TransitiveMemberOfEndpoint.MaxTop);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.SeedPollInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ValidationTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.NotificationTimeout, TimeSpan.Zero);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.TenantId);

        var directory = new TenantDirectory();
        var faults = new GraphFaults();
        if (options.Latency is { } latency)
        {
            faults.Latency = latency;
        }

        var counters = new GraphCounters();
        var time = TimeProvider.System;
        var sender = new NotificationSender();
        var subscriptions = new SubscriptionStore(time);
        var notifier = new ChangeNotifier(directory, subscriptions, sender, counters, options);
        var protocol = new GraphProtocol(directory, subscriptions, sender, faults, counters, options, time);
        SeedWatcher? seed = null;
        WebApplication? app = null;
        try
        {
            seed = options.SeedPath is null ? null : SeedWatcher.Start(options.SeedPath, directory, counters, options.SeedPollInterval, options.Log);
            app = Build(options.Port, protocol);
            await app.StartAsync(cancellationToken);
            return new GraphFake(app, BoundPort(app), directory, faults, counters, sender, subscriptions, notifier, seed, options);
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }

            if (seed is not null)
            {
                await seed.DisposeAsync();
            }

            sender.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Posts change notifications for every group change since the last send to each live subscription that wants
    /// it (resource and change type), one post per subscription, and reports how each was answered.
    /// </summary>
    public Task<IReadOnlyList<NotificationDelivery>> SendNotificationsAsync(CancellationToken cancellationToken = default) =>
        _notifier.SendChangesAsync(cancellationToken);

    /// <summary>
    /// Posts a lifecycle notification (for groups Graph sends <c>reauthorizationRequired</c>) to the subscription's
    /// lifecycleNotificationUrl.
    /// </summary>
    public Task<NotificationDelivery> SendLifecycleNotificationAsync(
        string subscriptionId, string lifecycleEvent = "reauthorizationRequired", CancellationToken cancellationToken = default) =>
        _notifier.SendLifecycleAsync(subscriptionId, lifecycleEvent, cancellationToken);

    /// <summary>
    /// Sends validation handshakes and notifications through <paramref name="handler"/> instead of the network, so a
    /// receiver that is not on a socket (a <c>TestServer</c>) can be subscribed. The caller keeps owning the handler.
    /// </summary>
    public void UseNotificationTransport(HttpMessageHandler handler) => _sender.UseTransport(handler);

    /// <summary>Stops listening, polling and notifying.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        await _autoNotify;
        if (_seed is not null)
        {
            await _seed.DisposeAsync();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
        _sender.Dispose();
        _stopping.Dispose();
    }

    private static WebApplication Build(int port, GraphProtocol protocol)
    {
        // The empty builder reads no configuration or environment, so an ASPNETCORE_URLS meant for the app
        // cannot move the fake, and it logs nothing into test output.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            kestrel.Listen(IPAddress.Loopback, port);
        });

        var app = builder.Build();
        app.Run(protocol.HandleAsync);
        return app;
    }

    private static int BoundPort(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new Uri(address).Port;
    }

    // Graph notifies a little after a change; changes made meanwhile ride along in the same posts.
    private async Task NotifyOnChangesAsync(TimeSpan delay, Action<string>? log, CancellationToken stopping)
    {
        try
        {
            while (await _changes.Reader.WaitToReadAsync(stopping))
            {
                _changes.Reader.TryRead(out _);
                await Task.Delay(delay, stopping);
                _changes.Reader.TryRead(out _);
                await _notifier.SendChangesAsync(stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopped with the fake.
        }
        catch (Exception unexpected)
        {
            log?.Invoke($"Graph fake: automatic notifications stopped: {unexpected.Message}");
        }
    }
}
