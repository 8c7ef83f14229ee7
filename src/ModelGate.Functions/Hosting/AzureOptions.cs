namespace ModelGate.Hosting;

/// <summary>How the app authenticates to Azure services (section "Azure").</summary>
public sealed class AzureOptions
{
    public const string Section = "Azure";

    /// <summary>
    /// Client id of the user-assigned managed identity that reaches Table Storage and Key Vault. Without it the
    /// system-assigned identity is asked, which the Bicep template does not create.
    /// </summary>
    [AzureSetting]
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Local runs and tests only: a fixed token the loopback fakes accept; refused in Azure.</summary>
    public bool UseDevelopmentCredential { get; set; }
}
