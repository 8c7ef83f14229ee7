using Azure;
using ModelGate.Storage;

namespace ModelGate.GroupFreshness;

/// <summary>
/// A lease on a Table row: whoever writes the row over its last version, while no unexpired lease is in it, holds
/// it. Timer runs, notification-driven runs and other instances take the same lease, so only one of them changes the
/// refresh state at a time; the others see it held and return. The lease ends when disposed, or by itself when its
/// holder dies.
/// </summary>
public sealed class TableLease : IAsyncDisposable
{
    private const string Partition = "lease";

    private readonly TableClient _table;
    private readonly string _name;
    private readonly string _owner;
    private readonly TimeSpan _duration;
    private readonly TimeProvider _clock;
    private ETag _etag;
    private DateTimeOffset _expiresAt;

    private TableLease(TableClient table, string name, string owner, TimeSpan duration, TimeProvider clock, ETag etag, DateTimeOffset expiresAt)
    {
        _table = table;
        _name = name;
        _owner = owner;
        _duration = duration;
        _clock = clock;
        _etag = etag;
        _expiresAt = expiresAt;
    }

    /// <summary>Takes the lease, or returns null when someone else holds an unexpired one.</summary>
    public static async Task<TableLease?> TryAcquireAsync(TableClient table, string name, TimeSpan duration, TimeProvider clock, CancellationToken cancellationToken)
    {
        var owner = Guid.NewGuid().ToString("N");
        var now = clock.GetUtcNow();
        var existing = await table.GetEntityIfExistsAsync(Partition, name, cancellationToken: cancellationToken);
        if (existing?.GetDateTimeOffset("ExpiresAt") is { } held && held > now) return null;

        var row = Row(name, owner, now + duration);
        try
        {
            // Add when there is no row, else write over exactly the expired lease read: of two takers, one fails.
            var etag = existing is null
                ? await table.AddEntityAsync(row, cancellationToken)
                : await table.UpdateEntityAsync(row, existing.ETag, TableUpdateMode.Replace, cancellationToken);
            return new TableLease(table, name, owner, duration, clock, etag, now + duration);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412 or 404)
        {
            return null;
        }
    }

    /// <summary>
    /// Extends the lease when less than half of it is left, so long work keeps it. Throws
    /// <see cref="LeaseLostException"/> when someone else took it meanwhile (it had expired): the caller must stop
    /// before writing anything more.
    /// </summary>
    public async Task KeepAsync(CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        if (_expiresAt - now > _duration / 2) return;
        try
        {
            _etag = await _table.UpdateEntityAsync(Row(_name, _owner, now + _duration), _etag, TableUpdateMode.Replace, cancellationToken);
            _expiresAt = now + _duration;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            throw new LeaseLostException(_name);
        }
    }

    /// <summary>Gives the lease up (deletes the row if it is still this holder's); failures leave it to expire.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _table.DeleteEntityAsync(Partition, _name, _etag);
        }
        catch (RequestFailedException)
        {
            // Taken over or unreachable: either way the row expires by itself.
        }
    }

    private static TableEntity Row(string name, string owner, DateTimeOffset expiresAt) => new(Partition, name)
    {
        ["Owner"] = owner,
        ["ExpiresAt"] = expiresAt,
    };
}

/// <summary>A lease expired while its holder was still working, and someone else took it.</summary>
public sealed class LeaseLostException(string name) : Exception($"The lease '{name}' expired and was taken by another run.");
