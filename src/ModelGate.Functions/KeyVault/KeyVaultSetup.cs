using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Options;
using ModelGate.Hosting;

namespace ModelGate.KeyVault;

/// <summary>The vault holding API key HMACs and the pepper (section "KeyVault").</summary>
public sealed class KeyVaultOptions
{
    public const string Section = "KeyVault";

    [Required, AzureSetting]
    public Uri? VaultUri { get; set; }

    /// <summary>
    /// Local runs only: SHA-256 (hex) of the loopback fake's self-signed certificate. When set, exactly that
    /// certificate is trusted and the challenge resource check is relaxed; refused in Azure.
    /// </summary>
    public string? DevelopmentCertificateSha256 { get; set; }
}

public static class KeyVaultSetup
{
    public static IServiceCollection AddKeyVault(this IServiceCollection services, IConfiguration configuration)
    {
        if (!string.IsNullOrEmpty(configuration["KeyVault:DevelopmentCertificateSha256"]) && AzureEnvironment.IsAzure(configuration))
            throw new InvalidOperationException("KeyVault:DevelopmentCertificateSha256 is for local runs only; the app runs in Azure.");

        services.AddOptions<KeyVaultOptions>().BindConfiguration(KeyVaultOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<KeyVaultOptions>>().Value;
            var clientOptions = DependencyRetries.Apply(new SecretClientOptions());
            if (options.DevelopmentCertificateSha256 is { Length: > 0 } pinned)
            {
                clientOptions.DisableChallengeResourceVerification = true;
                clientOptions.Transport = new HttpClientTransport(new HttpClientHandler
                {
                    ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate is not null
                        && Convert.ToHexString(SHA256.HashData(certificate.RawData)).Equals(pinned, StringComparison.OrdinalIgnoreCase),
                });
            }
            return new SecretClient(options.VaultUri!, sp.GetRequiredService<TokenCredential>(), clientOptions);
        });
        return services;
    }
}
