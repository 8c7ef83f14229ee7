using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Security.KeyVault.Secrets;

namespace ModelGate.ApiKeys;

/// <summary>
/// API key material in Key Vault: the pepper (secret <see cref="PepperName"/>) and one secret per key,
/// <c>apikey-&lt;keyId&gt;</c>, whose value is HMAC-SHA256(pepper, key text) in base64. Names are never
/// reused: a revoked key's secret is disabled, not deleted, and new keys get new random ids.
/// </summary>
public sealed class ApiKeySecrets(SecretClient client, ILogger<ApiKeySecrets> logger)
{
    public const string PepperName = "modelgate-api-key-pepper";
    public const string KeySecretPrefix = "apikey-";
    public const int PepperBytes = 32;

    private const string HashContentType = "application/vnd.modelgate.hmac-sha256+base64";
    private const int MaxTagValueLength = 256;

    // Version ids are hex, and Key Vault compares them without regard to case.
    private readonly ConcurrentDictionary<string, byte[]> peppers = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim currentPepperGate = new(1, 1);
    private Pepper? currentPepper;

    public static string SecretNameOf(string keyId) => KeySecretPrefix + keyId;

    /// <summary>
    /// The pepper new keys are hashed with: the latest version, read once per instance, or made when the vault
    /// has none. Two instances may both find none and both make one; that is harmless, because every key
    /// records the version it was hashed with and verification reads that version.
    /// </summary>
    internal async Task<Pepper> GetCurrentPepperAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref currentPepper) is { } known) return known;
        await currentPepperGate.WaitAsync(cancellationToken);
        try
        {
            if (currentPepper is { } readMeanwhile) return readMeanwhile;
            KeyVaultSecret secret;
            try
            {
                secret = await client.GetSecretAsync(PepperName, cancellationToken: cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                var value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(PepperBytes));
                secret = await client.SetSecretAsync(new KeyVaultSecret(PepperName, value)
                {
                    Properties = { ContentType = "application/octet-stream+base64", Tags = { ["purpose"] = "HMAC pepper of ModelGate API keys" } },
                }, cancellationToken);
                logger.LogInformation("Created the API key pepper, version {PepperVersion}", secret.Properties.Version);
            }

            var pepper = new Pepper(secret.Properties.Version, DecodePepper(secret));
            peppers.TryAdd(pepper.Version, pepper.Bytes);
            Volatile.Write(ref currentPepper, pepper);
            return pepper;
        }
        finally
        {
            currentPepperGate.Release();
        }
    }

    /// <summary>One pepper version's bytes; read from the vault once per instance.</summary>
    internal async ValueTask<byte[]> GetPepperAsync(string version, CancellationToken cancellationToken)
    {
        if (peppers.TryGetValue(version, out var known)) return known;
        if (version.Length == 0) throw new InvalidOperationException("The key record names no pepper version.");
        KeyVaultSecret secret = await client.GetSecretAsync(PepperName, version, cancellationToken);
        return peppers.GetOrAdd(version, DecodePepper(secret));
    }

    /// <summary>Writes a key's HMAC as a new secret. Tags say whose key it is, never anything secret.</summary>
    internal async Task SetKeyHashAsync(string keyId, byte[] hash, string userId, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        var secret = new KeyVaultSecret(SecretNameOf(keyId), Convert.ToBase64String(hash));
        secret.Properties.ContentType = HashContentType;
        if (userId.Length <= MaxTagValueLength) secret.Properties.Tags["user"] = userId;
        secret.Properties.Tags["created"] = createdAt.ToString("O", CultureInfo.InvariantCulture);
        await client.SetSecretAsync(secret, cancellationToken);
    }

    /// <summary>A key's stored HMAC; a disabled secret means the key was revoked.</summary>
    internal async Task<StoredKeyHash> GetKeyHashAsync(string keyId, CancellationToken cancellationToken)
    {
        KeyVaultSecret secret;
        try
        {
            secret = await client.GetSecretAsync(SecretNameOf(keyId), cancellationToken: cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return StoredKeyHash.Missing;
        }
        catch (RequestFailedException e) when (e.Status == 403 && IsDisabledSecret(e))
        {
            return StoredKeyHash.Disabled;
        }

        try
        {
            var hash = Convert.FromBase64String(secret.Value ?? "");
            if (hash.Length == HMACSHA256.HashSizeInBytes) return StoredKeyHash.Found(hash);
        }
        catch (FormatException)
        {
            // Reported below with the other malformed values.
        }
        throw new InvalidOperationException($"Key Vault secret {SecretNameOf(keyId)} does not hold an HMAC-SHA256 in base64.");
    }

    /// <summary>
    /// Disables every enabled version of a key's secret, found by listing its versions (their properties carry
    /// the version that updating needs). A secret that was never written is not an error.
    /// </summary>
    internal async Task DisableKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var properties in client.GetPropertiesOfSecretVersionsAsync(SecretNameOf(keyId), cancellationToken))
            {
                if (properties.Enabled == false) continue;
                properties.Enabled = false;
                await client.UpdateSecretPropertiesAsync(properties, cancellationToken);
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Nothing was ever stored under this name: nothing to disable.
        }
    }

    private static byte[] DecodePepper(KeyVaultSecret secret)
    {
        try
        {
            var bytes = Convert.FromBase64String(secret.Value ?? "");
            if (bytes.Length >= PepperBytes) return bytes;
        }
        catch (FormatException)
        {
            // Reported below.
        }
        throw new InvalidOperationException($"Key Vault secret {PepperName} (version {secret.Properties.Version}) is not {PepperBytes} or more bytes in base64.");
    }

    /// <summary>
    /// Key Vault answers 403 both for a disabled secret and for a caller without permission; only the inner
    /// error code tells them apart, and a missing permission must stay an error, not read as "revoked".
    /// </summary>
    private static bool IsDisabledSecret(RequestFailedException e)
    {
        var content = e.GetRawResponse()?.Content;
        if (content is null) return false;
        try
        {
            using var document = JsonDocument.Parse(content.ToMemory());
            return document.RootElement.TryGetProperty("error", out var error)
                && error.TryGetProperty("innererror", out var inner)
                && inner.TryGetProperty("code", out var code)
                && code.ValueKind == JsonValueKind.String
                && code.GetString() == "SecretDisabled";
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
