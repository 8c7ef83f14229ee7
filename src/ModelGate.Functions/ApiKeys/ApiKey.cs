using Azure;

namespace ModelGate.ApiKeys;

/// <summary>
/// The record of an API key in the ApiKeys table. It never holds the key nor its HMAC: the HMAC lives in
/// Key Vault, in the secret named from <see cref="Id"/>.
/// </summary>
/// <remarks>
/// The id is the one inside the key's text (and the record's partition key); the user id is the owner as
/// "tenant:object"; an empty deployment list means every deployment the owner may invoke; the pepper
/// version names the pepper secret version the HMAC was computed with.
/// </remarks>
public sealed record ApiKey(
    string Id,
    string UserId,
    string Name,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    IReadOnlyList<string> Deployments,
    string PepperVersion,
    ApiKeyState State,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? RevokedAt,
    string? RevokedBy)
{
    public ETag ETag { get; init; }

    /// <summary>What lists show: <c>mg_&lt;id&gt;</c>.</summary>
    public string DisplayPrefix => ApiKeyText.DisplayPrefixOf(Id);

    /// <summary>Counts against the per-user limit: could still be used, or could still become usable.</summary>
    public bool IsLive(DateTimeOffset now) => State != ApiKeyState.Revoked && ExpiresAt > now;
}
