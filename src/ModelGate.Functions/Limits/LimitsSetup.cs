using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelGate.Storage;

namespace ModelGate.Limits;

public static class LimitsSetup
{
    public static IServiceCollection AddLimits(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<RateLimiter>();
        services.AddSingleton(sp => new QuotaLedger(sp.GetRequiredService<Tables>().Quotas, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<QuotaLedger>>()));
        services.AddHostedService<LeaseReturn>();
        return services;
    }

    /// <summary>Gives unspent quota leases back on graceful shutdown, after the server stopped taking calls.</summary>
    private sealed class LeaseReturn(QuotaLedger ledger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            try
            {
                await ledger.ReturnLeasesAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Shutdown ran out of time: the leases not yet returned stay counted, within the documented bound.
            }
        }
    }
}
