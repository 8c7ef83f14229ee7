using ModelGate.DevHost.KeyVault;

namespace ModelGate.Tests.Infrastructure;

/// <summary>One in-memory Key Vault fake for the test assembly; tests that inject faults start their own.</summary>
public static class SharedKeyVault
{
    private static readonly Lazy<Task<KeyVaultFake>> Instance = new(() => StartAsync());

    public static Task<KeyVaultFake> GetAsync() => Instance.Value;

    private static async Task<KeyVaultFake> StartAsync()
    {
        var fake = await KeyVaultFake.StartAsync(new KeyVaultFakeOptions());
        AppDomain.CurrentDomain.ProcessExit += (_, _) => fake.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return fake;
    }
}
