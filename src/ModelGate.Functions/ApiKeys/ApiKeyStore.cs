using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure;
using ModelGate.Problems;
using ModelGate.Storage;

namespace ModelGate.ApiKeys;

/// <summary>
/// Key records in the ApiKeys table: partition = key id, row = "key". A point read finds a key from the id
/// in its text; listing a user's keys filters on UserId (a scan, fine at the number of keys a gateway holds).
/// </summary>
public sealed class ApiKeyStore(Tables tables)
{
    internal const string Row = "key";

    private TableClient Table => tables.ApiKeys;

    public async Task<ApiKey?> GetAsync(string keyId, CancellationToken cancellationToken)
    {
        if (!ApiKeyText.IsKeyId(keyId)) return null;
        var entity = await Table.GetEntityIfExistsAsync(keyId, Row, cancellationToken: cancellationToken);
        return entity is null ? null : ToApiKey(entity);
    }

    /// <summary>Keys in key id order, of one user or of everyone, after <paramref name="afterKeyId"/> when given.</summary>
    public async IAsyncEnumerable<ApiKey> ListAsync(string? userId, string? afterKeyId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = afterKeyId ?? "";
        var filter = userId is null
            ? TableFilter.Create($"PartitionKey gt {after} and RowKey eq {Row}")
            : TableFilter.Create($"PartitionKey gt {after} and RowKey eq {Row} and UserId eq {userId}");
        await foreach (var entity in Table.QueryAsync(filter, cancellationToken: cancellationToken))
            yield return ToApiKey(entity);
    }

    /// <summary>Inserts a new record; a key id already taken is a 409 from the service (80 random bits make that a bug, not bad luck).</summary>
    public async Task<ApiKey> AddAsync(ApiKey key, CancellationToken cancellationToken)
    {
        var etag = await Table.AddEntityAsync(ToEntity(key), cancellationToken);
        return key with { ETag = etag };
    }

    /// <summary>Writes the whole record over the version read; anything else is precondition_failed.</summary>
    public async Task<ApiKey> ReplaceAsync(ApiKey key, ETag ifMatch, CancellationToken cancellationToken)
    {
        try
        {
            var etag = await Table.UpdateEntityAsync(ToEntity(key), ifMatch, TableUpdateMode.Replace, cancellationToken);
            return key with { ETag = etag };
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            throw ApiProblem.PreconditionFailed();
        }
    }

    public Task DeleteAsync(string keyId, ETag ifMatch, CancellationToken cancellationToken) =>
        Table.DeleteEntityAsync(keyId, Row, ifMatch, cancellationToken);

    /// <summary>
    /// Sets LastUsedAt alone (Merge), over any version but only on a record that exists: If-Match * never
    /// recreates a deleted record, and touching one property never undoes a concurrent revocation.
    /// </summary>
    public async Task RecordUseAsync(string keyId, DateTimeOffset usedAt, CancellationToken cancellationToken) =>
        await Table.UpdateEntityAsync(new TableEntity(keyId, Row) { ["LastUsedAt"] = usedAt }, ETag.All, TableUpdateMode.Merge, cancellationToken);

    private static TableEntity ToEntity(ApiKey key) => new(key.Id, Row)
    {
        ["UserId"] = key.UserId,
        ["Name"] = key.Name,
        ["CreatedAt"] = key.CreatedAt,
        ["ExpiresAt"] = key.ExpiresAt,
        ["Deployments"] = JsonSerializer.Serialize(key.Deployments),
        ["PepperVersion"] = key.PepperVersion,
        ["State"] = StateText(key.State),
        ["LastUsedAt"] = key.LastUsedAt,
        ["RevokedAt"] = key.RevokedAt,
        ["RevokedBy"] = key.RevokedBy,
    };

    private static ApiKey ToApiKey(TableEntity e) => new(
        e.PartitionKey,
        e.GetString("UserId") ?? "",
        e.GetString("Name") ?? "",
        e.GetDateTimeOffset("CreatedAt") ?? default,
        // A record without an expiry is damaged; reading it as long expired keeps it from ever verifying.
        e.GetDateTimeOffset("ExpiresAt") ?? DateTimeOffset.MinValue,
        JsonSerializer.Deserialize<string[]>(e.GetString("Deployments") ?? "[]") ?? [],
        e.GetString("PepperVersion") ?? "",
        ParseState(e.GetString("State")),
        e.GetDateTimeOffset("LastUsedAt"),
        e.GetDateTimeOffset("RevokedAt"),
        e.GetString("RevokedBy")) { ETag = e.ETag };

    // Stored as fixed words rather than enum names, so renaming the enum never changes what is on disk.
    private static string StateText(ApiKeyState state) => state switch
    {
        ApiKeyState.Active => "active",
        ApiKeyState.Revoked => "revoked",
        _ => "pending",
    };

    // An unknown word reads as pending: a state this code does not understand must never verify.
    private static ApiKeyState ParseState(string? text) => text switch
    {
        "active" => ApiKeyState.Active,
        "revoked" => ApiKeyState.Revoked,
        _ => ApiKeyState.Pending,
    };
}
