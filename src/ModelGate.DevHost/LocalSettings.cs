using ModelGate.DevHost.Azurite;
using ModelGate.DevHost.Graph;
using ModelGate.DevHost.KeyVault;

namespace ModelGate.DevHost;

/// <summary>
/// The app's settings for running against the local Azurite and the loopback fakes, with the development
/// token issuer and credential: one definition for the local run and the benchmarks.
/// </summary>
public static class LocalSettings
{
    public static Dictionary<string, string?> For(AzuriteProcess azurite, KeyVaultFake keyVault, GraphFake graph, string publicBaseUrl) => new()
    {
        ["Storage:TableServiceUri"] = azurite.TableServiceUri.ToString(),
        ["Storage:AccountName"] = AzuriteProcess.AccountName,
        ["Storage:AccountKey"] = AzuriteProcess.AccountKey,
        ["Storage:CreateTables"] = "true",
        ["KeyVault:VaultUri"] = keyVault.VaultUri.ToString(),
        ["KeyVault:DevelopmentCertificateSha256"] = keyVault.CertificateSha256,
        ["Graph:BaseUrl"] = graph.BaseUrl,
        ["Azure:UseDevelopmentCredential"] = "true",
        ["Identity:DevelopmentIssuer:Enabled"] = "true",
        ["Gateway:HostSuffix"] = "localhost",
        ["Gateway:PublicBaseUrl"] = publicBaseUrl,
        ["Logging:LogLevel:Default"] = "Warning",
    };
}
