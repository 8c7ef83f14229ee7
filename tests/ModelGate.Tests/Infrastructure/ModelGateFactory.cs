using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using ModelGate.DevHost.Azurite;
using ModelGate.DevHost.KeyVault;
using ModelGate.Identity;

namespace ModelGate.Tests.Infrastructure;

/// <summary>
/// The real app over real Azurite and the Key Vault fake, with the development issuer on. Each factory gets
/// its own table prefix, so test classes never see each other's rows; pass a prefix to start a second app
/// over the same tables (another instance, or the app again after a restart).
/// </summary>
public sealed class ModelGateFactory(AzuriteProcess azurite, KeyVaultFake keyVault, IDictionary<string, string?>? overrides = null,
    string? tablePrefix = null)
    : WebApplicationFactory<Program>
{
    public string TablePrefix { get; } = tablePrefix ?? "t" + Guid.NewGuid().ToString("N")[..12];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage:TableServiceUri"] = azurite.TableServiceUri.ToString(),
            ["Storage:AccountName"] = AzuriteProcess.AccountName,
            ["Storage:AccountKey"] = AzuriteProcess.AccountKey,
            ["Storage:TablePrefix"] = TablePrefix,
            ["Storage:CreateTables"] = "true",
            ["KeyVault:VaultUri"] = keyVault.VaultUri.ToString(),
            ["KeyVault:DevelopmentCertificateSha256"] = keyVault.CertificateSha256,
            ["Azure:UseDevelopmentCredential"] = "true",
            ["Identity:DevelopmentIssuer:Enabled"] = "true",
            ["Gateway:HostSuffix"] = "models.test",
            ["Gateway:PublicBaseUrl"] = "http://gateway.test",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) settings[key] = value;
        // UseSetting lands in host configuration, which the app reads before its own sources.
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
    }

    public string TokenFor(TestUser user, TimeSpan? lifetime = null) =>
        Services.GetRequiredService<DevelopmentIssuer>().CreateToken(user.TenantId, user.ObjectId, user.Name, user.Groups, user.Roles,
            lifetime ?? TimeSpan.FromHours(1));

    /// <summary>A client that signs every request in as <paramref name="user"/>.</summary>
    public HttpClient ClientFor(TestUser user)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenFor(user));
        return client;
    }

    public static async Task<ModelGateFactory> StartAsync(IDictionary<string, string?>? overrides = null, string? tablePrefix = null)
    {
        var factory = new ModelGateFactory(await SharedAzurite.GetAsync(), await SharedKeyVault.GetAsync(), overrides, tablePrefix);
        _ = factory.Server; // start now, so table creation is not billed to the first test
        return factory;
    }
}

/// <summary>A per-class app instance for xunit's IClassFixture.</summary>
public sealed class AppFixture : IAsyncLifetime
{
    public ModelGateFactory App { get; private set; } = null!;

    public async Task InitializeAsync() => App = await ModelGateFactory.StartAsync();

    public async Task DisposeAsync() => await App.DisposeAsync();
}
