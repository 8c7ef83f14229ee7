using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Secrets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace ModelGate.DevHost.KeyVault;

/// <summary>
/// A Key Vault secrets service on 127.0.0.1 over HTTPS, speaking the REST protocol the real
/// <see cref="SecretClient"/> uses: challenge, set, get, update, list with paging, soft delete.
/// </summary>
public sealed class KeyVaultFake : IAsyncDisposable
{
    private const long MaxRequestBodyBytes = 1024 * 1024;
    private const int FreshPortAttempts = 20;

    // SecretClient caches the 401 challenge per host and port for the whole process. A fake on a port an
    // earlier fake used would never be challenged, so port 0 only ever hands out ports not used before.
    private static readonly ConcurrentDictionary<int, bool> UsedPorts = new();

    private readonly WebApplication _app;
    private int _disposed;

    private KeyVaultFake(WebApplication app, int port, X509Certificate2 certificate, KeyVaultFaults faults, KeyVaultCounters counters)
    {
        _app = app;
        VaultUri = new Uri($"https://127.0.0.1:{port}/");
        Certificate = certificate;
        CertificateSha256 = certificate.GetCertHashString(HashAlgorithmName.SHA256);
        Faults = faults;
        Counters = counters;
    }

    /// <summary>The vault URL to give SecretClient: <c>https://127.0.0.1:PORT/</c>.</summary>
    public Uri VaultUri { get; }

    /// <summary>The self-signed server certificate, made at start; clients should trust exactly this one.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>SHA-256 of the certificate's DER bytes in hex, what <see cref="CreateTrustingHandler"/> pins.</summary>
    public string CertificateSha256 { get; }

    /// <summary>Failures to inject.</summary>
    public KeyVaultFaults Faults { get; }

    /// <summary>Requests answered, per operation.</summary>
    public KeyVaultCounters Counters { get; }

    /// <summary>Starts a fake, loading <see cref="KeyVaultFakeOptions.StatePath"/> when it exists.</summary>
    public static async Task<KeyVaultFake> StartAsync(KeyVaultFakeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, IPEndPoint.MaxPort);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DefaultPageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.DefaultPageSize, VaultProtocol.MaxPageSize);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.TenantId);

        var faults = new KeyVaultFaults();
        var counters = new KeyVaultCounters();
        var protocol = new VaultProtocol(SecretStore.Open(options.StatePath), faults, counters, options);
        var certificate = LoopbackCertificate.Create();
        try
        {
            for (var attempt = 0; attempt < FreshPortAttempts; attempt++)
            {
                var app = Build(options.Port, certificate, protocol);
                try
                {
                    await app.StartAsync(cancellationToken);
                }
                catch
                {
                    await app.DisposeAsync();
                    throw;
                }

                var port = BoundPort(app);
                if (UsedPorts.TryAdd(port, true) || options.Port != 0)
                {
                    return new KeyVaultFake(app, port, certificate, faults, counters);
                }

                await app.StopAsync(cancellationToken);
                await app.DisposeAsync();
            }

            throw new InvalidOperationException($"No loopback port unused by earlier Key Vault fakes in {FreshPortAttempts} attempts.");
        }
        catch
        {
            certificate.Dispose();
            throw;
        }
    }

    /// <summary>
    /// An HTTP handler that accepts exactly the server certificate whose SHA-256 is given, and nothing else:
    /// neither other self-signed certificates nor publicly trusted ones.
    /// </summary>
    public static HttpClientHandler CreateTrustingHandler(string certificateSha256)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(certificateSha256);
        var pinned = Convert.FromHexString(certificateSha256);
        return new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                certificate is not null && certificate.GetCertHash(HashAlgorithmName.SHA256).AsSpan().SequenceEqual(pinned),
        };
    }

    /// <summary>
    /// Client options as the app sets them for this vault: challenge resource check off (the vault is not
    /// under vault.azure.net), a transport pinned to <see cref="Certificate"/>, and short retry delays.
    /// A new instance each call, so a test may change it.
    /// </summary>
    public SecretClientOptions CreateClientOptions()
    {
        var options = new SecretClientOptions
        {
            DisableChallengeResourceVerification = true,
            Transport = new HttpClientTransport(CreateTrustingHandler(CertificateSha256)),
        };
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.Delay = TimeSpan.FromMilliseconds(50);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.MaxRetries = 3;
        return options;
    }

    /// <summary>A real <see cref="SecretClient"/> for this vault with <see cref="CreateClientOptions"/>.</summary>
    public SecretClient CreateClient(TokenCredential credential) => new(VaultUri, credential, CreateClientOptions());

    /// <summary>Stops listening; the state file, if any, already holds every change.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate.Dispose();
    }

    private static WebApplication Build(int port, X509Certificate2 certificate, VaultProtocol protocol)
    {
        // The empty builder reads no configuration or environment, so an ASPNETCORE_URLS meant for the app
        // cannot move the fake, and it logs nothing into test output.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            kestrel.Listen(IPAddress.Loopback, port, listen => listen.UseHttps(certificate));
        });

        var app = builder.Build();
        app.Run(protocol.HandleAsync);
        return app;
    }

    private static int BoundPort(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new Uri(address).Port;
    }
}
