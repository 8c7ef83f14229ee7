using System.Diagnostics.CodeAnalysis;

namespace ModelGate.ApiKeys;

/// <summary>The outcome of verifying a key: the verified key, or why it was refused. A struct, so the cached path allocates nothing.</summary>
public readonly struct KeyCheck
{
    private KeyCheck(VerifiedApiKey? key, KeyCheckFailure failure)
    {
        Key = key;
        Failure = failure;
    }

    public VerifiedApiKey? Key { get; }

    public KeyCheckFailure Failure { get; }

    [MemberNotNullWhen(true, nameof(Key))]
    public bool IsValid => Key is not null;

    /// <summary>The problem code the proxy answers with (401), or null for a valid key.</summary>
    public string? ErrorCode => Failure switch
    {
        KeyCheckFailure.None => null,
        KeyCheckFailure.ApiKeyRevoked => "api_key_revoked",
        KeyCheckFailure.ApiKeyExpired => "api_key_expired",
        _ => "invalid_api_key",
    };

    public static KeyCheck Valid(VerifiedApiKey key) => new(key, KeyCheckFailure.None);

    public static KeyCheck Invalid => new(null, KeyCheckFailure.InvalidApiKey);

    public static KeyCheck Revoked => new(null, KeyCheckFailure.ApiKeyRevoked);

    public static KeyCheck Expired => new(null, KeyCheckFailure.ApiKeyExpired);

    public override string ToString() => IsValid ? $"Valid {Key.KeyId}" : Failure.ToString();
}
