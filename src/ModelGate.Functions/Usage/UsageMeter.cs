using System.Collections.Concurrent;
using Azure;
using ModelGate.Problems;
using ModelGate.Storage;

namespace ModelGate.Usage;

/// <summary>
/// Counts every proxied call in memory and writes the totals to the Usage table in batches (see
/// <see cref="UsageFlusher"/>). Recording is lock-free and, once a key has been seen that day, allocates
/// nothing: one dictionary lookup and a few interlocked adds. Each instance owns its rows (RowKey ends with
/// <see cref="InstanceId"/>) and writes cumulative totals, so a flush can be repeated or retried freely and
/// a failed one loses nothing: the next flush writes the same totals plus whatever came since.
/// </summary>
public sealed class UsageMeter
{
    private const int MaxActionsPerTransaction = 100;

    private readonly ConcurrentDictionary<UsageKey, Counters> totals = new();
    private readonly TableClient table;
    private readonly TimeProvider time;

    // One flush at a time: the timer, shutdown and tests may ask at once, and FlushedVersion has one writer.
    private readonly SemaphoreSlim flushing = new(1, 1);

    /// <param name="table">The Usage table.</param>
    /// <param name="instanceId">This process's id, unique per process start (see <see cref="UsageSetup.NewInstanceId"/>).</param>
    /// <param name="time">The clock that decides a call's UTC day.</param>
    public UsageMeter(TableClient table, string instanceId, TimeProvider time)
    {
        if (!Text.IsKeySafe(instanceId)) throw new ArgumentException("The instance id must be key-safe.", nameof(instanceId));
        this.table = table;
        this.time = time;
        InstanceId = instanceId;
    }

    public string InstanceId { get; }

    /// <summary>Counts one call on the current UTC day. Never blocks and never does I/O.</summary>
    /// <exception cref="ArgumentException">The deployment name or key id cannot be part of a table key (checked once per key and day).</exception>
    public void Record(in CallRecord call)
    {
        var key = new UsageKey(DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime), call.DeploymentName, call.KeyId);
        if (!totals.TryGetValue(key, out var counters)) counters = Add(key, call.UserId);
        counters.Add(in call, ToMicros(call.PricePerCall));
    }

    /// <summary>
    /// Writes every row that changed since its last successful write (upsert, whole totals, ≤ 100 per
    /// partition and transaction). Rows whose write fails stay pending; the exception lists the failures
    /// after every partition was tried.
    /// </summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) => FlushAsync(includeUnchanged: false, cancellationToken);

    /// <summary>As <see cref="FlushAsync(CancellationToken)"/>; <paramref name="includeUnchanged"/> rewrites rows already written (tests prove that is harmless).</summary>
    internal async Task FlushAsync(bool includeUnchanged, CancellationToken cancellationToken)
    {
        await flushing.WaitAsync(cancellationToken);
        try
        {
            var pending = new List<(Counters Counters, long Version, UsageRow Row)>();
            foreach (var (key, counters) in totals)
            {
                // The version is read before the values: a call counted after this read raises the version
                // again, so it cannot be marked written without having been.
                var version = Volatile.Read(ref counters.Version);
                if (!includeUnchanged && version == Volatile.Read(ref counters.FlushedVersion)) continue;
                pending.Add((counters, version, ToRow(key, counters)));
            }

            List<Exception>? failures = null;
            foreach (var partition in pending.GroupBy(p => p.Row.PartitionKey, StringComparer.Ordinal))
            {
                foreach (var chunk in partition.Chunk(MaxActionsPerTransaction))
                {
                    try
                    {
                        await table.SubmitTransactionAsync(
                            chunk.Select(p => new TableTransactionAction(TableTransactionActionType.UpsertReplace, p.Row.ToEntity())),
                            cancellationToken);
                        foreach (var p in chunk) Volatile.Write(ref p.Counters.FlushedVersion, p.Version);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        (failures ??= []).Add(e);
                    }
                }
            }

            EvictOldDays();
            if (failures is not null)
                throw new AggregateException($"{failures.Count} usage transaction(s) failed; their rows stay pending.", failures);
        }
        finally
        {
            flushing.Release();
        }
    }

    /// <summary>Rows not yet written (or changed since): what a crash now would lose.</summary>
    public int PendingRows
    {
        get
        {
            var count = 0;
            foreach (var (_, counters) in totals)
                if (Volatile.Read(ref counters.Version) != Volatile.Read(ref counters.FlushedVersion)) count++;
            return count;
        }
    }

    /// <summary>
    /// Usage rows of every instance from the table, with this instance's rows taken from memory where it
    /// holds them: its own calls show at once, flushed or not (memory is always at least what was written).
    /// </summary>
    public async Task<IReadOnlyList<UsageRow>> ReadAsync(UsageQuery query, CancellationToken cancellationToken = default)
    {
        var rows = new Dictionary<(string PartitionKey, string RowKey), UsageRow>();
        await foreach (var entity in table.QueryAsync(query.ToFilter(), cancellationToken: cancellationToken))
            rows[(entity.PartitionKey, entity.RowKey)] = UsageRow.FromEntity(entity);
        foreach (var row in Snapshot(query)) rows[(row.PartitionKey, row.RowKey)] = row;
        return rows.Values.ToArray();
    }

    /// <summary>This instance's in-memory totals that match <paramref name="query"/>.</summary>
    public IReadOnlyList<UsageRow> Snapshot(UsageQuery query)
    {
        var rows = new List<UsageRow>();
        foreach (var (key, counters) in totals)
        {
            var row = ToRow(key, counters);
            if (query.Matches(row)) rows.Add(row);
        }
        return rows;
    }

    private static long ToMicros(decimal price) => (long)decimal.Round(price * UsageRow.MicrosPerUnit, MidpointRounding.AwayFromZero);

    private Counters Add(UsageKey key, string userId)
    {
        // Checked here, once per key and day, so that a bad name fails the call that brings it instead of
        // poisoning every later flush of its partition.
        if (!Text.IsKeySafe(key.Deployment)) throw new ArgumentException("The deployment name cannot be part of a table key.", nameof(key));
        if (!Text.IsKeySafe(key.KeyId)) throw new ArgumentException("The key id cannot be part of a table key.", nameof(key));
        if (string.IsNullOrEmpty(userId) || userId.Length > 300) throw new ArgumentException("The user id must be 1 to 300 characters.", nameof(userId));
        // A key belongs to one user, so the user is carried on the counters rather than in the lookup key:
        // one row per key and instance, as the table's RowKey says.
        return totals.GetOrAdd(key, static (_, user) => new Counters(user), userId);
    }

    private UsageRow ToRow(UsageKey key, Counters c) => new(
        key.Day, key.Deployment, key.KeyId, c.UserId, InstanceId,
        Volatile.Read(ref c.Calls), Volatile.Read(ref c.Errors), Volatile.Read(ref c.PromptTokens), Volatile.Read(ref c.CompletionTokens),
        Volatile.Read(ref c.BytesIn), Volatile.Read(ref c.BytesOut), Volatile.Read(ref c.LatencyMsTotal), Volatile.Read(ref c.CostMicros));

    /// <summary>
    /// Drops days before yesterday once written: their totals are in the table. Yesterday stays so that a
    /// call which began before midnight UTC and is counted just after still finds its counters.
    /// </summary>
    private void EvictOldDays()
    {
        var yesterday = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime).AddDays(-1);
        foreach (var (key, counters) in totals)
            if (key.Day < yesterday && Volatile.Read(ref counters.Version) == Volatile.Read(ref counters.FlushedVersion))
                totals.TryRemove(key, out _);
    }

    private readonly record struct UsageKey(DateOnly Day, string Deployment, string KeyId);

    /// <summary>Cumulative totals of one key on one deployment and day, on this instance.</summary>
    private sealed class Counters(string userId)
    {
        public readonly string UserId = userId;
        public long Calls;
        public long Errors;
        public long PromptTokens;
        public long CompletionTokens;
        public long BytesIn;
        public long BytesOut;
        public long LatencyMsTotal;
        public long CostMicros;

        /// <summary>Raised after each call's adds; a flush compares it with <see cref="FlushedVersion"/>.</summary>
        public long Version;

        /// <summary>The version last written to the table; written only under the flush lock.</summary>
        public long FlushedVersion;

        public void Add(in CallRecord call, long costMicros)
        {
            Interlocked.Increment(ref Calls);
            if (call.IsError) Interlocked.Increment(ref Errors);
            if (call.PromptTokens > 0) Interlocked.Add(ref PromptTokens, call.PromptTokens);
            if (call.CompletionTokens > 0) Interlocked.Add(ref CompletionTokens, call.CompletionTokens);
            if (call.BytesIn > 0) Interlocked.Add(ref BytesIn, call.BytesIn);
            if (call.BytesOut > 0) Interlocked.Add(ref BytesOut, call.BytesOut);
            if (call.LatencyMs > 0) Interlocked.Add(ref LatencyMsTotal, call.LatencyMs);
            if (costMicros != 0) Interlocked.Add(ref CostMicros, costMicros);
            // Last, and a full fence: a flush that sees this version also sees the adds above.
            Interlocked.Increment(ref Version);
        }
    }

    /// <summary>Short text for logs: status and service error code, never a URL or header.</summary>
    internal static string Describe(Exception e) => e switch
    {
        AggregateException a => string.Join("; ", a.InnerExceptions.Select(Describe)),
        RequestFailedException r => $"{r.GetType().Name} {r.Status} {r.ErrorCode}".TrimEnd(),
        _ => e.GetType().Name,
    };
}
