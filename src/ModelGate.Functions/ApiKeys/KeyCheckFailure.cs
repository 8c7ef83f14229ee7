namespace ModelGate.ApiKeys;

/// <summary>Why a presented key was refused; each maps to the proxy's 401 code of the same name.</summary>
public enum KeyCheckFailure
{
    None,

    /// <summary>Malformed, bad checksum, unknown id, or wrong secret: the caller learns nothing more.</summary>
    InvalidApiKey,

    ApiKeyRevoked,

    ApiKeyExpired,
}
