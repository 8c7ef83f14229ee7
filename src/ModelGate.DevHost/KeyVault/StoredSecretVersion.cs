namespace ModelGate.DevHost.KeyVault;

/// <summary>One version of a secret as the vault keeps it; replaced, never changed, so readers need no lock.</summary>
internal sealed record StoredSecretVersion
{
    public required string Version { get; init; }

    public required string Value { get; init; }

    public string? ContentType { get; init; }

    public bool Enabled { get; init; } = true;

    /// <summary>Unix seconds, like every time Key Vault sends.</summary>
    public long? NotBefore { get; init; }

    public long? Expires { get; init; }

    public long Created { get; init; }

    public long Updated { get; init; }

    public IReadOnlyDictionary<string, string>? Tags { get; init; }
}
