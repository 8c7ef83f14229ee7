namespace ModelGate.ApiKeys;

/// <summary>
/// What an instance read about one key: the record as a <see cref="VerifiedApiKey"/>, the HMAC stored in
/// Key Vault and the pepper version it was made with. It holds the truth about the key, never a verdict on
/// a presented key, so every call still compares its own HMAC.
/// </summary>
internal sealed class VerificationEntry(VerifiedApiKey key, byte[] storedHash, byte[] pepper, long fetchedAtTicks)
{
    public VerifiedApiKey Key { get; } = key;
    public byte[] StoredHash { get; } = storedHash;
    public byte[] Pepper { get; } = pepper;

    /// <summary>UTC ticks of the reads; the entry is trusted for the configured bound after that.</summary>
    public long FetchedAtTicks { get; } = fetchedAtTicks;

    /// <summary>UTC ticks of the last LastUsedAt write this instance made or saw; a field, for Interlocked.</summary>
    public long LastUseRecordedTicks;
}
