using Azure.Core;
using Microsoft.Extensions.Options;
using ModelGate.Hosting;

namespace ModelGate.Storage;

/// <summary>The app's tables. <see cref="Names"/> is the single list the Bicep template is checked against.</summary>
public sealed class Tables
{
    public const string CatalogName = "Catalog";
    public const string SettingsName = "Settings";
    public const string UsersName = "Users";
    public const string ApiKeysName = "ApiKeys";
    public const string UsageName = "Usage";
    public const string QuotasName = "Quotas";
    public const string DirectorySyncName = "DirectorySync";

    public static readonly IReadOnlyList<string> Names = [CatalogName, SettingsName, UsersName, ApiKeysName, UsageName, QuotasName, DirectorySyncName];

    public Tables(TableServiceClient service, IOptions<StorageOptions> options)
    {
        var prefix = options.Value.TablePrefix;
        Catalog = service.GetTableClient(prefix + CatalogName);
        Settings = service.GetTableClient(prefix + SettingsName);
        Users = service.GetTableClient(prefix + UsersName);
        ApiKeys = service.GetTableClient(prefix + ApiKeysName);
        Usage = service.GetTableClient(prefix + UsageName);
        Quotas = service.GetTableClient(prefix + QuotasName);
        DirectorySync = service.GetTableClient(prefix + DirectorySyncName);
    }

    /// <summary>
    /// Model groups, name reservations, models, deployments and their grants: one partition, so each change
    /// that spans rows (register a model and count it, deploy a model and count it) is one atomic batch.
    /// </summary>
    public TableClient Catalog { get; }

    /// <summary>Gateway settings that admins change at run time.</summary>
    public TableClient Settings { get; }

    /// <summary>Sign-in records: one row per user (tenant, object id) with groups, roles and last sign-in.</summary>
    public TableClient Users { get; }

    /// <summary>API key records (never the key, never its HMAC: that lives in Key Vault).</summary>
    public TableClient ApiKeys { get; }

    /// <summary>Metered calls: per day and deployment, one row per key and instance (instances never write each other's rows).</summary>
    public TableClient Usage { get; }

    /// <summary>Monthly call quotas: calls used per user and deployment, leased to instances in blocks.</summary>
    public TableClient Quotas { get; }

    /// <summary>
    /// What keeps sign-in records fresh from Microsoft Graph: the tracked groups in chunks with their delta links, the
    /// groups' direct members, notified groups waiting for a refresh, the change notification subscription, leases.
    /// </summary>
    public TableClient DirectorySync { get; }

    public IEnumerable<TableClient> All => [Catalog, Settings, Users, ApiKeys, Usage, Quotas, DirectorySync];
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
