namespace ModelGate.DevHost.KeyVault;

/// <summary>Failures the Key Vault fake injects: outage, latency, throttling (see <see cref="LoopbackFaults"/>).</summary>
public sealed class KeyVaultFaults : LoopbackFaults;
