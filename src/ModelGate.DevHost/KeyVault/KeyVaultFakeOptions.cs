namespace ModelGate.DevHost.KeyVault;

/// <summary>How a <see cref="KeyVaultFake"/> listens, where it keeps its secrets, and whom it names as tenant.</summary>
public sealed record KeyVaultFakeOptions
{
    /// <summary>Loopback port to listen on; 0 picks a free port.</summary>
    public int Port { get; init; }

    /// <summary>
    /// JSON file holding the vault's secrets, loaded at start and rewritten after each change;
    /// null keeps them in memory only.
    /// </summary>
    public string? StatePath { get; init; }

    /// <summary>Tenant named in the 401 challenge; SecretClient asks its credential for a token of this tenant.</summary>
    public string TenantId { get; init; } = "6f1c2d3e-0a4b-4c5d-8e6f-7a8b9c0d1e2f";

    /// <summary>
    /// Items per list page when a request names no <c>maxresults</c> (Key Vault uses 25, the maximum).
    /// SecretClient never sends <c>maxresults</c>, so tests lower this to see paging.
    /// </summary>
    public int DefaultPageSize { get; init; } = 25;
}
