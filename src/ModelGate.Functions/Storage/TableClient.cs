using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Core;

namespace ModelGate.Storage;

/// <summary>
/// Reads and writes the entities of one table over the Table service's REST API, shaped like
/// Azure.Data.Tables' <c>TableClient</c>. Get one from <see cref="TableServiceClient.GetTableClient"/>.
/// Keys are checked before any request is sent; service errors surface as <see cref="RequestFailedException"/>
/// with the service's status and error code.
/// </summary>
public sealed class TableClient
{
    private const int MaxTransactionActions = 100;
    private const int MaxPageSize = 1000;

    private readonly TableConnection _connection;

    internal TableClient(TableConnection connection, string tableName)
    {
        _connection = connection;
        Name = tableName;
    }

    public string Name { get; }

    public async Task CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        using HttpMessage message = _connection.CreateMessage(RequestMethod.Post, "/Tables");
        message.Request.Headers.SetValue("Prefer", "return-no-content");
        TableConnection.SetJsonContent(message, Name, static (writer, name) =>
        {
            writer.WriteStartObject();
            writer.WriteString("TableName", name);
            writer.WriteEndObject();
        });
        Response response = await _connection.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status is not (201 or 204) && !(response.Status == 409 && TableConnection.HasErrorCode(response, "TableAlreadyExists")))
        {
            throw TableConnection.Failure(response);
        }
    }

    /// <summary>Deletes the table and everything in it; a table that does not exist is not an error.</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken = default)
    {
        using HttpMessage message = _connection.CreateMessage(RequestMethod.Delete, $"/Tables('{Name}')");
        Response response = await _connection.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status is not (204 or 404))
        {
            throw TableConnection.Failure(response);
        }
    }

    /// <summary>
    /// Reads one entity, or <see langword="null"/> when there is none with these keys. A missing table still
    /// throws: that is a deployment fault, not an absent entity.
    /// </summary>
    public async Task<TableEntity?> GetEntityIfExistsAsync(
        string partitionKey,
        string rowKey,
        IEnumerable<string>? select = null,
        CancellationToken cancellationToken = default)
    {
        EntityKey.Validate(partitionKey, nameof(partitionKey));
        EntityKey.Validate(rowKey, nameof(rowKey));
        string? selectList = JoinSelect(select);

        using HttpMessage message = _connection.CreateMessage(RequestMethod.Get, EntityKey.EntityPath(Name, partitionKey, rowKey));
        if (selectList is not null)
        {
            message.Request.Uri.AppendQuery("$select", selectList, escapeValue: true);
        }

        Response response = await _connection.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status == 404 && !TableConnection.HasErrorCode(response, "TableNotFound"))
        {
            return null;
        }

        if (response.Status != 200)
        {
            throw TableConnection.Failure(response);
        }

        using JsonDocument document = JsonDocument.Parse(response.Content.ToMemory());
        TableEntity entity = TableEntityJson.Read(document.RootElement);
        if (entity.ETag == default)
        {
            entity.ETag = TableConnection.ReadETag(response);
        }

        return entity;
    }

    /// <summary>Inserts a new entity; one with the same keys fails with 409 <c>EntityAlreadyExists</c>.</summary>
    public async Task<ETag> AddEntityAsync(TableEntity entity, CancellationToken cancellationToken = default)
    {
        EntityKey.Validate(entity, nameof(entity));
        using HttpMessage message = _connection.CreateMessage(RequestMethod.Post, $"/{Name}");
        message.Request.Headers.SetValue("Prefer", "return-no-content");
        TableConnection.SetJsonContent(message, entity, TableEntityJson.Write);
        Response response = await _connection.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status is not (201 or 204))
        {
            throw TableConnection.Failure(response);
        }

        return TableConnection.ReadETag(response);
    }

    /// <summary>Inserts the entity or overwrites whatever has its keys, without any version check.</summary>
    public Task<ETag> UpsertEntityAsync(
        TableEntity entity,
        TableUpdateMode mode = TableUpdateMode.Merge,
        CancellationToken cancellationToken = default)
    {
        EntityKey.Validate(entity, nameof(entity));
        return WriteEntityAsync(entity, mode, ifMatch: null, cancellationToken);
    }

    /// <summary>
    /// Overwrites an existing entity if its version still matches <paramref name="ifMatch"/> (pass
    /// <see cref="ETag.All"/> to skip the check). A stale version fails with 412, a missing entity with 404.
    /// </summary>
    public Task<ETag> UpdateEntityAsync(
        TableEntity entity,
        ETag ifMatch,
        TableUpdateMode mode = TableUpdateMode.Merge,
        CancellationToken cancellationToken = default)
    {
        EntityKey.Validate(entity, nameof(entity));
        if (ifMatch == default)
        {
            // An update with no precondition silently loses concurrent writes; ETag.All says that is intended.
            throw new ArgumentException("Pass the ETag that was read, or ETag.All to overwrite any version.", nameof(ifMatch));
        }

        return WriteEntityAsync(entity, mode, ifMatch.ToString(), cancellationToken);
    }

    /// <summary>
    /// Deletes an entity if its version still matches <paramref name="ifMatch"/> (the default matches any
    /// version). An entity that is already gone is not an error; a stale version fails with 412.
    /// </summary>
    public async Task DeleteEntityAsync(
        string partitionKey,
        string rowKey,
        ETag ifMatch = default,
        CancellationToken cancellationToken = default)
    {
        EntityKey.Validate(partitionKey, nameof(partitionKey));
        EntityKey.Validate(rowKey, nameof(rowKey));
        using HttpMessage message = _connection.CreateMessage(RequestMethod.Delete, EntityKey.EntityPath(Name, partitionKey, rowKey));
        message.Request.Headers.SetValue("If-Match", ifMatch == default ? "*" : ifMatch.ToString());
        Response response = await _connection.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status == 204 || (response.Status == 404 && !TableConnection.HasErrorCode(response, "TableNotFound")))
        {
            return;
        }

        throw TableConnection.Failure(response);
    }

    /// <summary>
    /// Queries the table; build <paramref name="filter"/> with <see cref="TableFilter.Create"/>. Pages hold at most
    /// <paramref name="maxPerPage"/> entities (the service caps them at 1,000); iterating follows the service's
    /// continuation, and <c>AsPages(continuationToken)</c> resumes from a page's token.
    /// </summary>
    public AsyncPageable<TableEntity> QueryAsync(
        string? filter = null,
        int? maxPerPage = null,
        IEnumerable<string>? select = null,
        CancellationToken cancellationToken = default)
    {
        CheckPageSize(maxPerPage, nameof(maxPerPage));
        string? selectList = JoinSelect(select);
        return new TableEntityPageable(
            (continuation, pageSize, token) => QueryPageAsync(filter, selectList, continuation, pageSize, token),
            maxPerPage,
            cancellationToken);
    }

    /// <summary>
    /// Applies up to 100 actions on one partition atomically: all of them or none. The ETags come back in the
    /// order of the actions (default for deletes). A refused transaction throws
    /// <see cref="TableTransactionFailedException"/> naming the failing action.
    /// </summary>
    public async Task<IReadOnlyList<ETag>> SubmitTransactionAsync(
        IEnumerable<TableTransactionAction> actions,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actions);
        TableTransactionAction[] list = actions.ToArray();
        if (list.Length is 0 or > MaxTransactionActions)
        {
            throw new ArgumentException($"A transaction holds 1 to {MaxTransactionActions} actions, not {list.Length}.", nameof(actions));
        }

        string? partitionKey = null;
        foreach (TableTransactionAction action in list)
        {
            if (action is null)
            {
                throw new ArgumentException("A transaction action is null.", nameof(actions));
            }

            EntityKey.Validate(action.Entity, nameof(actions));
            partitionKey ??= action.Entity.PartitionKey;

            // Azure refuses a transaction spanning partitions; Azurite would accept it, so check here.
            if (!string.Equals(partitionKey, action.Entity.PartitionKey, StringComparison.Ordinal))
            {
                throw new ArgumentException(
                    $"All actions of a transaction must share one partition key ('{partitionKey}' and '{action.Entity.PartitionKey}' differ).",
                    nameof(actions));
            }
        }

        using HttpMessage message = _connection.CreateMessage(RequestMethod.Post, "/$batch");
        message.Request.Content = TableTransactionContent.Create(_connection.ServiceRoot, Name, list, out string contentType);
        message.Request.Headers.SetValue("Content-Type", contentType);
        Response response = await _connection.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status != 202)
        {
            throw TableConnection.Failure(response);
        }

        response.Headers.TryGetValue("Content-Type", out string? responseContentType);
        List<TableTransactionResponse.Part> parts = TableTransactionResponse.Parse(responseContentType, response.Content.ToString());
        foreach (TableTransactionResponse.Part part in parts)
        {
            if (part.Status >= 400)
            {
                throw TransactionFailure(part, list);
            }
        }

        if (parts.Count != list.Length)
        {
            throw new RequestFailedException(
                response.Status,
                $"The transaction response holds {parts.Count} results for {list.Length} actions.");
        }

        var etags = new ETag[parts.Count];
        for (int i = 0; i < etags.Length; i++)
        {
            etags[i] = parts[i].ETag;
        }

        return etags;
    }

    private async Task<ETag> WriteEntityAsync(TableEntity entity, TableUpdateMode mode, string? ifMatch, CancellationToken cancellationToken)
    {
        RequestMethod method = mode switch
        {
            TableUpdateMode.Merge => RequestMethod.Patch,
            TableUpdateMode.Replace => RequestMethod.Put,
            _ => throw new ArgumentOutOfRangeException(nameof(mode)),
        };

        using HttpMessage message = _connection.CreateMessage(method, EntityKey.EntityPath(Name, entity.PartitionKey, entity.RowKey));
        if (ifMatch is not null)
        {
            message.Request.Headers.SetValue("If-Match", ifMatch);
        }

        TableConnection.SetJsonContent(message, entity, TableEntityJson.Write);
        Response response = await _connection.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status != 204)
        {
            throw TableConnection.Failure(response);
        }

        return TableConnection.ReadETag(response);
    }

    private async Task<Page<TableEntity>> QueryPageAsync(
        string? filter,
        string? selectList,
        string? continuationToken,
        int? pageSize,
        CancellationToken cancellationToken)
    {
        CheckPageSize(pageSize, "pageSizeHint");

        // The message is not disposed: the page keeps its response, which is fully buffered.
        HttpMessage message = _connection.CreateMessage(RequestMethod.Get, $"/{Name}()");
        RequestUriBuilder uri = message.Request.Uri;
        if (!string.IsNullOrEmpty(filter))
        {
            uri.AppendQuery("$filter", filter, escapeValue: true);
        }

        if (pageSize is { } top)
        {
            uri.AppendQuery("$top", top.ToString(CultureInfo.InvariantCulture), escapeValue: false);
        }

        if (selectList is not null)
        {
            uri.AppendQuery("$select", selectList, escapeValue: true);
        }

        if (!string.IsNullOrEmpty(continuationToken))
        {
            (string nextPartitionKey, string? nextRowKey) = TableEntityPageable.ParseToken(continuationToken);
            uri.AppendQuery("NextPartitionKey", nextPartitionKey, escapeValue: true);
            if (nextRowKey is not null)
            {
                uri.AppendQuery("NextRowKey", nextRowKey, escapeValue: true);
            }
        }

        Response response = await _connection.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status != 200)
        {
            throw TableConnection.Failure(response);
        }

        var entities = new List<TableEntity>();
        using (JsonDocument document = JsonDocument.Parse(response.Content.ToMemory()))
        {
            if (document.RootElement.TryGetProperty("value", out JsonElement values) && values.ValueKind == JsonValueKind.Array)
            {
                entities.Capacity = values.GetArrayLength();
                foreach (JsonElement value in values.EnumerateArray())
                {
                    entities.Add(TableEntityJson.Read(value));
                }
            }
        }

        response.Headers.TryGetValue("x-ms-continuation-NextPartitionKey", out string? nextPartition);
        response.Headers.TryGetValue("x-ms-continuation-NextRowKey", out string? nextRow);
        return Page<TableEntity>.FromValues(entities, TableEntityPageable.CreateToken(nextPartition, nextRow), response);
    }

    private static TableTransactionFailedException TransactionFailure(TableTransactionResponse.Part part, TableTransactionAction[] actions)
    {
        TableErrorParser.TryReadODataError(System.Text.Encoding.UTF8.GetBytes(part.Body), out string? code, out string? message);
        message ??= part.Body;

        // The service prefixes the message with the zero-based index of the failing action ("2:The specified ...").
        int? index = null;
        int colon = message.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && int.TryParse(message.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out int prefix))
        {
            index = prefix;
        }
        else if (part.ContentId is { } contentId)
        {
            index = contentId - 1;
        }
        else if (actions.Length == 1)
        {
            index = 0;
        }

        if (index is { } i && (i < 0 || i >= actions.Length))
        {
            index = null;
        }

        TableTransactionAction? failed = index is { } at ? actions[at] : null;
        string where = failed is null ? "an unknown action" : $"action {index} ({failed.ActionType})";
        return new TableTransactionFailedException(
            part.Status,
            $"The transaction failed at {where}: {part.Status} {code}: {message}",
            code,
            index,
            failed);
    }

    private static string? JoinSelect(IEnumerable<string>? select)
    {
        if (select is null)
        {
            return null;
        }

        string list = string.Join(',', select);
        return list.Length == 0 ? null : list;
    }

    private static void CheckPageSize(int? pageSize, string paramName)
    {
        if (pageSize is < 1 or > MaxPageSize)
        {
            throw new ArgumentOutOfRangeException(paramName, pageSize, $"A page holds 1 to {MaxPageSize} entities.");
        }
    }
}
