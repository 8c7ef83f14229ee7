namespace ModelGate.DevHost.Azurite;

/// <summary>How to run Azurite's table service.</summary>
public sealed record AzuriteOptions
{
    /// <summary>Folder for Azurite's data; <see langword="null"/> keeps everything in memory.</summary>
    public string? Location { get; init; }

    /// <summary>Loopback port to listen on; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Leave out Azurite's per-request access log.</summary>
    public bool Silent { get; init; } = true;
}
