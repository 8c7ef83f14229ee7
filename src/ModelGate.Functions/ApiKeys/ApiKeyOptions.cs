using System.ComponentModel.DataAnnotations;

namespace ModelGate.ApiKeys;

/// <summary>API key lifetimes, limits and verification caching (section "ApiKeys").</summary>
public sealed class ApiKeyOptions
{
    public const string Section = "ApiKeys";

    /// <summary>Lifetime of a key created without <c>expires_in_days</c>.</summary>
    [Range(1, 3650)]
    public int DefaultExpiryDays { get; set; } = 90;

    /// <summary>The longest lifetime a caller may ask for.</summary>
    [Range(1, 3650)]
    public int MaxExpiryDays { get; set; } = 365;

    /// <summary>
    /// How long an instance trusts what it read about a key (record and HMAC) before reading again: the delay
    /// with which a revocation made on another instance takes effect here. 0 turns caching off.
    /// </summary>
    [Range(0, 3600)]
    public int VerificationCacheSeconds { get; set; } = 60;

    /// <summary>Keys a user may hold that are neither revoked nor expired.</summary>
    [Range(1, 10_000)]
    public int MaxKeysPerUser { get; set; } = 50;
}
