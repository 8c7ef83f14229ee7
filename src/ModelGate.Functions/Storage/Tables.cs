using Azure.Core;
using Microsoft.Extensions.Options;
using ModelGate.Hosting;

namespace ModelGate.Storage;

/// <summary>The app's tables. <see cref="Names"/> is the single list the Bicep template is checked against.</summary>
public sealed class Tables
{
    public const string ModelGroupsName = "ModelGroups";
    public const string SettingsName = "Settings";

    public static readonly IReadOnlyList<string> Names = [ModelGroupsName, SettingsName];

    public Tables(TableServiceClient service, IOptions<StorageOptions> options)
    {
        var prefix = options.Value.TablePrefix;
        ModelGroups = service.GetTableClient(prefix + ModelGroupsName);
        Settings = service.GetTableClient(prefix + SettingsName);
    }

    /// <summary>Model groups, their name reservations and their models: one partition, so each change is one batch.</summary>
    public TableClient ModelGroups { get; }

    /// <summary>Gateway settings that admins change at run time.</summary>
    public TableClient Settings { get; }

    public IEnumerable<TableClient> All => [ModelGroups, Settings];
}

public static class StorageSetup
{
    public static IServiceCollection AddTableStorage(this IServiceCollection services)
    {
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            var clientOptions = DependencyRetries.Apply(new TableClientOptions());
            return options.AccountKey is { Length: > 0 }
                ? new TableServiceClient(options.TableServiceUri!, new TableSharedKeyCredential(options.AccountName ?? "devstoreaccount1", options.AccountKey), clientOptions)
                : new TableServiceClient(options.TableServiceUri!, sp.GetRequiredService<TokenCredential>(), clientOptions);
        });
        services.AddSingleton<Tables>();
        services.AddHostedService<TableCreation>();
        return services;
    }

    /// <summary>Creates the tables before the first request when configured to (local runs and tests).</summary>
    private sealed class TableCreation(Tables tables, IOptions<StorageOptions> options) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            if (!options.Value.CreateTables) return;
            foreach (var table in tables.All) await table.CreateIfNotExistsAsync(cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
