using System.Security.Cryptography;
using Azure;
using Microsoft.Extensions.Options;
using ModelGate.Problems;

namespace ModelGate.ApiKeys;

/// <summary>
/// Makes and revokes keys across the two stores without ever leaving a usable half. Only a record marked
/// active after its secret was written verifies. An enabled secret always has a record that names it, so
/// revoking can find it; a failed create may leave a disabled secret without one, which can never verify.
/// (The one gap: a vault write whose earlier, timed-out retry attempt landed unseen while the last attempt
/// was refused. That secret has no record either, so it cannot verify.)
/// </summary>
public sealed class ApiKeyIssuer(ApiKeyStore store, ApiKeySecrets secrets, ApiKeyVerifier verifier, TimeProvider time,
    IOptions<ApiKeyOptions> options, ILogger<ApiKeyIssuer> logger)
{
    /// <summary>
    /// Creates a key in three writes: (1) the record, pending; (2) the secret holding the HMAC; (3) the record,
    /// active, over the version written in (1). A failure undoes what it can and answers 503; what cannot be
    /// undone is a pending record, which never verifies and is listed, so its owner can revoke it.
    /// The writes do not follow the caller's cancellation: a create, once started, finishes or cleans up.
    /// </summary>
    public async Task<IssuedApiKey> IssueAsync(string userId, string name, int expiresInDays, IReadOnlyList<string> deployments,
        CancellationToken cancellationToken)
    {
        await RequireRoomAsync(userId, cancellationToken);

        // Read before any write: without the pepper nothing is written at all.
        var pepper = await secrets.GetCurrentPepperAsync(cancellationToken);
        var text = ApiKeyText.New();
        var keyId = ApiKeyText.KeyIdOf(text);
        var hash = Hash(pepper.Bytes, text);

        var now = time.GetUtcNow();
        var pending = await store.AddAsync(new ApiKey(keyId, userId, name, now, now.AddDays(expiresInDays), deployments, pepper.Version,
            ApiKeyState.Pending, LastUsedAt: null, RevokedAt: null, RevokedBy: null), CancellationToken.None);

        try
        {
            await secrets.SetKeyHashAsync(keyId, hash, userId, now, CancellationToken.None);
        }
        catch (Exception e)
        {
            await AbandonAsync(pending, secretMayExist: !WasRefused(e));
            if (ProblemResponses.IsDependencyFailure(e)) throw ApiProblem.DependencyUnavailable("Key Vault");
            throw;
        }

        try
        {
            var active = await store.ReplaceAsync(pending with { State = ApiKeyState.Active }, pending.ETag, CancellationToken.None);
            logger.LogInformation("API key {KeyId} created for {UserId}", keyId, userId);
            return new IssuedApiKey(active, text);
        }
        catch (Exception e)
        {
            // The activation may even have landed with its answer lost: disabling the secret covers that too.
            await AbandonAsync(pending, secretMayExist: true);
            if (ProblemResponses.IsDependencyFailure(e)) throw ApiProblem.DependencyUnavailable("Table Storage");
            throw;
        }
    }

    /// <summary>
    /// Revokes a key: first its secret is disabled (from then on no instance can verify it once its cache
    /// entry ages out, and this one at once), then the record is marked. Revoking a revoked key does nothing.
    /// </summary>
    public async Task RevokeAsync(ApiKey key, string revokedBy, CancellationToken cancellationToken)
    {
        if (key.State == ApiKeyState.Revoked) return;
        await secrets.DisableKeyAsync(key.Id, cancellationToken);
        verifier.MarkRevoked(key.Id);

        // The secret is off; finish the record whatever the caller does now. LastUsedAt writes change the
        // ETag, so a conflict is retried against a fresh read.
        for (var attempt = 1; ; attempt++)
        {
            var current = await store.GetAsync(key.Id, CancellationToken.None);
            if (current is null || current.State == ApiKeyState.Revoked) return;
            try
            {
                await store.ReplaceAsync(current with { State = ApiKeyState.Revoked, RevokedAt = time.GetUtcNow(), RevokedBy = revokedBy },
                    current.ETag, CancellationToken.None);
                logger.LogInformation("API key {KeyId} revoked by {RevokedBy}", key.Id, revokedBy);
                return;
            }
            catch (ApiProblem problem) when (problem.Code == "precondition_failed" && attempt < 10)
            {
                await Task.Delay(Random.Shared.Next(5, 20 * attempt), CancellationToken.None);
            }
        }
    }

    /// <summary>HMAC-SHA256(pepper, key text): the only form in which a key is kept (in Key Vault).</summary>
    public static byte[] Hash(byte[] pepper, string keyText)
    {
        Span<byte> text = stackalloc byte[ApiKeyText.Length];
        if (keyText.Length != ApiKeyText.Length) throw new ArgumentException("Not an API key.", nameof(keyText));
        for (var i = 0; i < text.Length; i++) text[i] = (byte)keyText[i];
        return HMACSHA256.HashData(pepper, text);
    }

    private async Task RequireRoomAsync(string userId, CancellationToken cancellationToken)
    {
        // A soft limit: two creates racing may both pass. It bounds clutter and abuse, not security.
        var max = options.Value.MaxKeysPerUser;
        var now = time.GetUtcNow();
        var live = 0;
        await foreach (var key in store.ListAsync(userId, null, cancellationToken))
            if (key.IsLive(now) && ++live >= max)
                throw ApiProblem.Conflict("too_many_api_keys",
                    $"You hold {max} keys that are neither revoked nor expired, the most allowed. Revoke one first.");
    }

    /// <summary>
    /// Undoes a create that failed after its record was written. When the secret may exist it is disabled
    /// first, and if that fails the pending record stays: it is then the only trace of the secret, and
    /// revoking it disables the secret later. Failures here are logged; the caller reports the original one.
    /// </summary>
    private async Task AbandonAsync(ApiKey pending, bool secretMayExist)
    {
        if (secretMayExist)
        {
            try
            {
                await secrets.DisableKeyAsync(pending.Id, CancellationToken.None);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "API key {KeyId}: create failed and its secret could not be disabled; the pending record stays so the key can be revoked", pending.Id);
                return;
            }
        }

        try
        {
            // Any version: the activation may have landed without its answer.
            await store.DeleteAsync(pending.Id, ETag.All, CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "API key {KeyId}: create failed and its pending record could not be deleted; it never verifies and is listed", pending.Id);
        }
    }

    /// <summary>
    /// True when the vault refused the write, so nothing was written: a client error, throttling or
    /// unavailability. Timeouts, transport failures and other 5xx leave the outcome unknown, and then the
    /// secret is treated as possibly written. (A retried write whose earlier attempt timed out could still
    /// have landed unseen; such a secret has no record, so it never verifies.)
    /// </summary>
    private static bool WasRefused(Exception e) =>
        e is RequestFailedException { Status: (>= 400 and < 500 and not 408) or 503 };
}
