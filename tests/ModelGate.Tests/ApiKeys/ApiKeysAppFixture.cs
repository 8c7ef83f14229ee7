using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.DependencyInjection;
using ModelGate.ApiKeys;
using ModelGate.DevHost.KeyVault;
using ModelGate.Storage;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.ApiKeys;

/// <summary>
/// The app over its own Key Vault fake (so counters and faults belong to one test class), with a clock
/// tests move, Table traffic they count or break, and the app's logs kept for searching.
/// </summary>
public sealed class ApiKeysAppFixture : IAsyncLifetime
{
    public const int MaxKeysPerUser = 5;

    public KeyVaultFake Vault { get; private set; } = null!;
    public ModelGateFactory App { get; private set; } = null!;
    public ManualClock Clock { get; } = new();
    public TableTraffic Table { get; } = new();
    public LogCapture Logs { get; } = new();

    public SecretClient Secrets => App.Services.GetRequiredService<SecretClient>();
    public ApiKeyVerifier Verifier => App.Services.GetRequiredService<ApiKeyVerifier>();
    public TableClient ApiKeysTable => App.Services.GetRequiredService<Tables>().ApiKeys;

    public async Task InitializeAsync()
    {
        Vault = await KeyVaultFake.StartAsync(new KeyVaultFakeOptions());
        App = new ModelGateFactory(await SharedAzurite.GetAsync(), Vault, new Dictionary<string, string?>
        {
            ["ApiKeys:MaxKeysPerUser"] = MaxKeysPerUser.ToString(System.Globalization.CultureInfo.InvariantCulture),
        })
        {
            Logs = Logs,
            TableTraffic = Table,
            ConfigureServices = services => services.AddSingleton<TimeProvider>(Clock),
        };
        _ = App.Server;
    }

    /// <summary>Faults off and the clock back to now: what every test of a class starts from.</summary>
    public void Reset()
    {
        Vault.Faults.Reset();
        Table.FailWhen = null;
        Clock.Reset();
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Vault.DisposeAsync();
    }
}
