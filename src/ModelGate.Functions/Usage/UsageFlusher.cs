using Microsoft.Extensions.Options;

namespace ModelGate.Usage;

/// <summary>
/// Flushes the meter every <see cref="UsageOptions.FlushSeconds"/> and once more on graceful shutdown, after
/// the server has stopped taking requests (hosted services stop after the server), so a clean stop loses
/// no counted call. A failed flush is logged and retried with the next tick: the counts stay in memory.
/// </summary>
internal sealed class UsageFlusher(UsageMeter meter, IOptions<UsageOptions> options, TimeProvider time, ILogger<UsageFlusher> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.FlushSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                await FlushAsync(final: false, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: StopAsync writes the last flush.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(final: true, cancellationToken);
    }

    private async Task FlushAsync(bool final, CancellationToken cancellationToken)
    {
        try
        {
            await meter.FlushAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (final) logger.LogError("Shutdown ended before usage was written; {Rows} usage rows were not saved.", meter.PendingRows);
        }
        catch (Exception e)
        {
            if (final)
                logger.LogError("The last usage flush failed ({Reason}); {Rows} usage rows were not saved.", UsageMeter.Describe(e), meter.PendingRows);
            else
                logger.LogWarning("Usage flush failed ({Reason}); {Rows} rows stay in memory for the next flush.", UsageMeter.Describe(e), meter.PendingRows);
        }
    }
}
