using Azure.Core;
using Azure.Core.Pipeline;

namespace ModelGate.Storage;

/// <summary>
/// The entry point to a storage account's Table service. Azurite takes a path-style URI with a shared key
/// (<c>http://127.0.0.1:10002/devstoreaccount1</c>); in Azure the app uses a token credential over HTTPS.
/// One instance per account is meant to be shared: it holds the HTTP pipeline.
/// </summary>
public sealed class TableServiceClient
{
    private const string StorageScope = "https://storage.azure.com/.default";

    private readonly TableConnection _connection;

    public TableServiceClient(Uri serviceUri, TableSharedKeyCredential credential, TableClientOptions? options = null)
    {
        CheckServiceUri(serviceUri);
        ArgumentNullException.ThrowIfNull(credential);
        _connection = new TableConnection(serviceUri, new TableSharedKeyPolicy(credential), options ?? new TableClientOptions());
    }

    public TableServiceClient(Uri serviceUri, TokenCredential credential, TableClientOptions? options = null)
    {
        CheckServiceUri(serviceUri);
        ArgumentNullException.ThrowIfNull(credential);
        if (serviceUri.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException("A token credential needs an https service URI: bearer tokens are never sent in clear text.", nameof(serviceUri));
        }

        _connection = new TableConnection(
            serviceUri,
            new BearerTokenAuthenticationPolicy(credential, StorageScope),
            options ?? new TableClientOptions());
    }

    /// <summary>The service URI the client was created with.</summary>
    public Uri Uri => _connection.ServiceUri;

    public TableClient GetTableClient(string tableName)
    {
        EntityKey.ValidateTableName(tableName);
        return new TableClient(_connection, tableName);
    }

    private static void CheckServiceUri(Uri serviceUri)
    {
        ArgumentNullException.ThrowIfNull(serviceUri);
        if (!serviceUri.IsAbsoluteUri || (serviceUri.Scheme != Uri.UriSchemeHttp && serviceUri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("The service URI must be an absolute http or https URI.", nameof(serviceUri));
        }

        if (!string.IsNullOrEmpty(serviceUri.Query))
        {
            throw new ArgumentException("The service URI must not carry a query (SAS tokens are not supported).", nameof(serviceUri));
        }
    }
}
