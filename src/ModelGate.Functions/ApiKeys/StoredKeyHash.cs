namespace ModelGate.ApiKeys;

/// <summary>What Key Vault holds for a key id: its HMAC, a disabled secret (revoked), or nothing.</summary>
internal readonly record struct StoredKeyHash(StoredKeyHashState State, byte[]? Hash)
{
    public static StoredKeyHash Missing => new(StoredKeyHashState.Missing, null);
    public static StoredKeyHash Disabled => new(StoredKeyHashState.Disabled, null);
    public static StoredKeyHash Found(byte[] hash) => new(StoredKeyHashState.Found, hash);
}
