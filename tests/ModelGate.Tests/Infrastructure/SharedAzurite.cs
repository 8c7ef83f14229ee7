using ModelGate.DevHost.Azurite;
using ModelGate.Storage;

namespace ModelGate.Tests.Infrastructure;

/// <summary>
/// One in-memory Azurite for the whole test run, started on first use and stopped when the test process
/// exits. Test classes share it by working in their own uniquely named tables.
/// </summary>
public static class SharedAzurite
{
    private static readonly Lazy<Task<AzuriteProcess>> Instance = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    public static Task<AzuriteProcess> GetAsync() => Instance.Value;

    public static async Task<TableServiceClient> CreateServiceClientAsync(TableClientOptions? options = null)
    {
        AzuriteProcess azurite = await GetAsync();
        return new TableServiceClient(
            azurite.TableServiceUri,
            new TableSharedKeyCredential(AzuriteProcess.AccountName, AzuriteProcess.AccountKey),
            options);
    }

    /// <summary>A fresh table with a name no other test uses; the caller deletes it.</summary>
    public static async Task<TableClient> CreateTableAsync(string prefix = "t")
    {
        TableServiceClient service = await CreateServiceClientAsync();
        TableClient table = service.GetTableClient(prefix + Guid.NewGuid().ToString("N"));
        await table.CreateIfNotExistsAsync();
        return table;
    }

    private static async Task<AzuriteProcess> StartAsync()
    {
        AzuriteProcess azurite = await AzuriteProcess.StartAsync(new AzuriteOptions());

        // The wrapper would also end Azurite once this process is gone; stopping it here just frees the port sooner.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => azurite.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
        return azurite;
    }
}
