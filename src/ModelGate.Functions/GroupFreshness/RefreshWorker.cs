using System.Threading.Channels;
using Microsoft.Extensions.Options;
using ModelGate.Problems;

namespace ModelGate.GroupFreshness;

/// <summary>
/// Does, in the background, what notifications ask for, so the webhook can answer Graph within its 3 seconds:
/// refreshes the queued groups (after a short pause that lets a burst of notifications share one refresh),
/// renews the subscription on <c>reauthorizationRequired</c>, and runs a full refresh when Graph says notifications
/// were missed. Work that fails, or finds another run holding the lease, is tried again with a growing pause; the
/// queue lives in Table Storage, so what this instance does not finish the timer's next run does.
/// </summary>
public sealed class RefreshWorker(
    GroupRefresher refresher,
    RefreshQueue queue,
    SubscriptionKeeper subscription,
    IOptions<GroupFreshnessOptions> options,
    TimeProvider clock,
    ILogger<RefreshWorker> logger) : BackgroundService
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan LastRetry = TimeSpan.FromMinutes(1);

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private int _renewRequested;
    private int _fullRequested;

    /// <summary>Queued groups are waiting.</summary>
    public void RefreshQueued() => _wake.Writer.TryWrite(true);

    /// <summary>The subscription must be renewed (reauthorized) or made again.</summary>
    public void RenewSubscription()
    {
        Interlocked.Exchange(ref _renewRequested, 1);
        _wake.Writer.TryWrite(true);
    }

    /// <summary>Notifications may have been lost: refresh everything.</summary>
    public void RefreshAll()
    {
        Interlocked.Exchange(ref _fullRequested, 1);
        _wake.Writer.TryWrite(true);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        TimeSpan? retry = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (retry is { } wait)
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    timeout.CancelAfter(wait);
                    try
                    {
                        await _wake.Reader.WaitToReadAsync(timeout.Token);
                    }
                    catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                    {
                        // The pause is over: try again.
                    }
                }
                else
                {
                    await _wake.Reader.WaitToReadAsync(stoppingToken);
                }
                _wake.Reader.TryRead(out _);
                await Task.Delay(TimeSpan.FromMilliseconds(options.Value.CoalesceMilliseconds), clock, stoppingToken);

                try
                {
                    var finished = await WorkAsync(stoppingToken);
                    retry = finished ? null : Next(retry);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    retry = Next(retry);
                    logger.Log(ProblemResponses.IsDependencyFailure(e) ? LogLevel.Warning : LogLevel.Error, e,
                        "Refreshing notified groups failed; trying again in {Seconds} s", (int)retry.Value.TotalSeconds);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: queued groups stay in the table for the next run.
        }
    }

    /// <summary>Does what was asked; false when some of it must be tried again (a lease was held).</summary>
    private async Task<bool> WorkAsync(CancellationToken cancellationToken)
    {
        var finished = true;
        if (Interlocked.Exchange(ref _renewRequested, 0) == 1 && !await subscription.EnsureAsync(renewNow: true, cancellationToken))
        {
            Interlocked.Exchange(ref _renewRequested, 1);
            finished = false;
        }

        if (Interlocked.Exchange(ref _fullRequested, 0) == 1)
        {
            var pending = await queue.ReadAsync(cancellationToken);
            var outcome = await refresher.RefreshAllAsync(cancellationToken);
            if (outcome.Status == RefreshStatus.Busy)
            {
                Interlocked.Exchange(ref _fullRequested, 1);
                return false;
            }
            await queue.RemoveAsync(pending, cancellationToken);
            return finished;
        }

        var queued = await queue.ReadAsync(cancellationToken);
        if (queued.Count == 0) return finished;
        var result = await refresher.RefreshGroupsAsync([.. queued.Select(p => p.GroupId)], cancellationToken);
        if (result.Status == RefreshStatus.Busy) return false;
        await queue.RemoveAsync(queued, cancellationToken);
        return finished;
    }

    private static TimeSpan Next(TimeSpan? previous) =>
        previous is { } wait ? TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, LastRetry.Ticks)) : FirstRetry;
}
