using System.Collections.Concurrent;
using System.Globalization;
using Azure;
using ModelGate.Storage;

namespace ModelGate.Limits;

/// <summary>
/// Monthly call quotas per user and deployment, kept in the Quotas table (PartitionKey "yyyyMM|deployment",
/// RowKey the user id, Used) so they hold across instances. Reading and writing the row on every call would
/// make Table Storage the proxy's bottleneck, so instances lease blocks of calls: an instance whose lease is
/// empty adds min(block, quota − Used) to Used with If-Match (retrying when another instance wrote first)
/// and then spends the block locally. The table never grants beyond the quota, and an instance allows only
/// what it leased, so all instances together never allow more than the quota.
/// The price: calls leased but not made count as used. A graceful stop gives them back; an instance that
/// dies keeps them, so at most block × instances calls (block = quota/50, 1 to 100) of a month can be
/// counted without having been made. Lowering a quota takes effect when the current leases are spent.
/// If Table Storage cannot be reached the call fails (the proxy answers 503): a quota is never waived.
/// </summary>
public sealed class QuotaLedger(TableClient table, TimeProvider time, ILogger<QuotaLedger> logger)
{
    private const int MaxWriteAttempts = 20;

    /// <summary>How long an instance trusts "quota used up" before reading the row again (another instance may give leases back).</summary>
    private static readonly TimeSpan RecheckExhaustedAfter = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<(int Month, string Deployment, string UserId), Lease> leases = new();
    private int newestMonth;

    /// <summary>
    /// Counts one call against the user's quota on the deployment for the current UTC month. Usually answers
    /// from the local lease without I/O; when the lease is spent it leases the next block from the table.
    /// Denied: <see cref="QuotaDecision.RetryAfter"/> is the time until the next UTC month.
    /// </summary>
    /// <param name="userId">The key owner's user id (tenant:object).</param>
    /// <param name="deployment">The deployment invoked.</param>
    /// <param name="monthlyQuota">The deployment's quota per user and month, at least 1; call only for deployments that have one.</param>
    /// <param name="cancellationToken">Cancels waiting for the table; the call then gets no decision (a block leased meanwhile stays counted).</param>
    /// <exception cref="RequestFailedException">Table Storage did not answer: deny the call (503), never allow it.</exception>
    public ValueTask<QuotaDecision> TryConsumeAsync(string userId, string deployment, long monthlyQuota, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(monthlyQuota, 1);
        var now = time.GetUtcNow();
        var month = now.Year * 100 + now.Month;
        if (leases.TryGetValue((month, deployment, userId), out var lease) && lease.TryTake())
            return new ValueTask<QuotaDecision>(QuotaDecision.Allow);
        return LeaseAndConsumeAsync(month, now, userId, deployment, monthlyQuota, lease, cancellationToken);
    }

    /// <summary>
    /// Gives every unspent lease back to the table (Used −= unspent, with If-Match), so that a graceful stop
    /// costs nobody calls. Best effort: a failure is logged and those calls stay counted.
    /// </summary>
    public async Task ReturnLeasesAsync(CancellationToken cancellationToken = default)
    {
        foreach (var (key, lease) in leases)
        {
            await lease.Gate.WaitAsync(cancellationToken);
            try
            {
                var unspent = Interlocked.Exchange(ref lease.Remaining, 0);
                if (unspent <= 0) continue;
                try
                {
                    await GiveBackAsync(key.Month, key.Deployment, key.UserId, unspent, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning("Could not give back {Unspent} leased calls of deployment {Deployment} ({Reason}); they stay counted this month.",
                        unspent, key.Deployment, e is RequestFailedException r ? $"{r.Status} {r.ErrorCode}" : e.GetType().Name);
                }
            }
            finally
            {
                lease.Gate.Release();
            }
        }
    }

    /// <summary>Calls leased to this instance and not yet spent, for one user and deployment this month.</summary>
    internal long Unspent(string userId, string deployment)
    {
        var now = time.GetUtcNow();
        return leases.TryGetValue((now.Year * 100 + now.Month, deployment, userId), out var lease) ? Volatile.Read(ref lease.Remaining) : 0;
    }

    public static string PartitionKeyFor(int month, string deployment) => month.ToString("000000", CultureInfo.InvariantCulture) + "|" + deployment;

    /// <summary>Block leased at a time: 2% of the quota, 1 to 100 calls.</summary>
    public static long BlockFor(long monthlyQuota) => Math.Clamp(monthlyQuota / 50, 1, 100);

    private async ValueTask<QuotaDecision> LeaseAndConsumeAsync(int month, DateTimeOffset now, string userId, string deployment, long quota,
        Lease? lease, CancellationToken cancellationToken)
    {
        lease ??= GetOrAddLease(month, deployment, userId);
        // One lease request per user and deployment at a time on this instance; the others wait and then
        // spend from the block it brought.
        await lease.Gate.WaitAsync(cancellationToken);
        try
        {
            if (lease.TryTake()) return QuotaDecision.Allow;
            if (lease.ExhaustedAt is { } at && quota <= lease.ExhaustedQuota && now - at < RecheckExhaustedAfter)
                return QuotaDecision.Deny(UntilNextMonth(now));

            var granted = await LeaseBlockAsync(month, deployment, userId, quota, cancellationToken);
            if (granted == 0)
            {
                lease.ExhaustedAt = now;
                lease.ExhaustedQuota = quota;
                return QuotaDecision.Deny(UntilNextMonth(now));
            }
            lease.ExhaustedAt = null;
            Interlocked.Add(ref lease.Remaining, granted - 1); // one of the block is this call
            return QuotaDecision.Allow;
        }
        finally
        {
            lease.Gate.Release();
        }
    }

    private Lease GetOrAddLease(int month, string deployment, string userId)
    {
        if (month > Volatile.Read(ref newestMonth))
        {
            // A new month: last month's leases no longer limit anything, so drop them rather than keep them forever.
            Interlocked.Exchange(ref newestMonth, month);
            foreach (var key in leases.Keys)
                if (key.Month < month) leases.TryRemove(key, out _);
        }
        return leases.GetOrAdd((month, deployment, userId), static _ => new Lease());
    }

    /// <summary>Adds up to one block to the row's Used without passing the quota; 0 when nothing is left.</summary>
    private async Task<long> LeaseBlockAsync(int month, string deployment, string userId, long quota, CancellationToken cancellationToken)
    {
        var partitionKey = PartitionKeyFor(month, deployment);
        for (var attempt = 1; ; attempt++)
        {
            var row = await table.GetEntityIfExistsAsync(partitionKey, userId, cancellationToken: cancellationToken);
            var used = row?.GetInt64("Used") ?? 0;
            var grant = Math.Min(BlockFor(quota), quota - used);
            if (grant <= 0) return 0;
            try
            {
                var entity = new TableEntity(partitionKey, userId) { ["Used"] = used + grant };
                if (row is null) await table.AddEntityAsync(entity, cancellationToken);
                else await table.UpdateEntityAsync(entity, row.ETag, TableUpdateMode.Replace, cancellationToken);
                return grant;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                if (attempt == MaxWriteAttempts) throw Contention(e);
                await Backoff(attempt, cancellationToken);
            }
        }
    }

    private async Task GiveBackAsync(int month, string deployment, string userId, long unspent, CancellationToken cancellationToken)
    {
        var partitionKey = PartitionKeyFor(month, deployment);
        for (var attempt = 1; ; attempt++)
        {
            var row = await table.GetEntityIfExistsAsync(partitionKey, userId, cancellationToken: cancellationToken);
            if (row is null) return;
            var used = row.GetInt64("Used") ?? 0;
            try
            {
                await table.UpdateEntityAsync(new TableEntity(partitionKey, userId) { ["Used"] = Math.Max(0, used - unspent) }, row.ETag,
                    TableUpdateMode.Replace, cancellationToken);
                return;
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                if (attempt == MaxWriteAttempts) throw Contention(e);
                await Backoff(attempt, cancellationToken);
            }
        }
    }

    // Real time on purpose, not the injected clock: this spreads out instances racing for the same row.
    private static Task Backoff(int attempt, CancellationToken cancellationToken) =>
        Task.Delay(Random.Shared.Next(1, 5 * Math.Min(attempt, 10)), cancellationToken);

    // Reported as the store being unavailable (503), which is what the caller experiences.
    private static RequestFailedException Contention(RequestFailedException last) =>
        new(503, "The quota row kept changing under concurrent writers; try again.", "QuotaContention", last);

    private static TimeSpan UntilNextMonth(DateTimeOffset now) =>
        new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1) - now;

    /// <summary>Calls this instance leased for one user, deployment and month.</summary>
    private sealed class Lease
    {
        public long Remaining;
        public readonly SemaphoreSlim Gate = new(1, 1);
        public DateTimeOffset? ExhaustedAt;
        public long ExhaustedQuota;

        public bool TryTake()
        {
            var current = Volatile.Read(ref Remaining);
            while (current > 0)
            {
                var seen = Interlocked.CompareExchange(ref Remaining, current - 1, current);
                if (seen == current) return true;
                current = seen;
            }
            return false;
        }
    }
}
