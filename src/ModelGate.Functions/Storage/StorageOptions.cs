using System.ComponentModel.DataAnnotations;
using ModelGate.Hosting;

namespace ModelGate.Storage;

/// <summary>Where the access lists and state live (section "Storage").</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Table endpoint: https://ACCOUNT.table.core.windows.net, or Azurite's http://127.0.0.1:PORT/devstoreaccount1.</summary>
    [Required, AzureSetting]
    public Uri? TableServiceUri { get; set; }

    /// <summary>Account name and key sign requests with SharedKey (Azurite only); without them the managed identity is used.</summary>
    public string? AccountName { get; set; }
    public string? AccountKey { get; set; }

    /// <summary>Prepended to every table name, so tests (and side-by-side installs) do not share tables.</summary>
    [RegularExpression("^([A-Za-z][A-Za-z0-9]{0,19})?$")]
    public string TablePrefix { get; set; } = "";

    /// <summary>Create missing tables at start (local runs and tests); in Azure the Bicep template creates them.</summary>
    public bool CreateTables { get; set; }
}
