using System.Buffers;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Core;

namespace ModelGate.Storage;

// The multipart/mixed body of an entity group transaction: one batch holding one changeset, each action an
// embedded HTTP request with an absolute URL. Each JSON body stays on one line, which Azurite's parser needs.
internal static class TableTransactionContent
{
    public static RequestContent Create(
        string serviceRoot,
        string tableName,
        IReadOnlyList<TableTransactionAction> actions,
        out string contentType)
    {
        string batchBoundary = $"batch_{Guid.NewGuid():D}";
        string changesetBoundary = $"changeset_{Guid.NewGuid():D}";
        contentType = $"multipart/mixed; boundary={batchBoundary}";

        var buffer = new ArrayBufferWriter<byte>(actions.Count * 512);
        using var json = new Utf8JsonWriter(buffer);
        Append(buffer, $"--{batchBoundary}\r\nContent-Type: multipart/mixed; boundary={changesetBoundary}\r\n\r\n");
        for (int i = 0; i < actions.Count; i++)
        {
            TableTransactionAction action = actions[i];
            TableEntity entity = action.Entity;
            string entityPath = EntityKey.EntityPath(tableName, entity.PartitionKey, entity.RowKey);
            (string Method, string Path, bool HasBody, string? IfMatch) request = action.ActionType switch
            {
                TableTransactionActionType.Add => ("POST", $"/{tableName}", true, null),
                TableTransactionActionType.UpdateMerge => ("PATCH", entityPath, true, IfMatch(action.ETag)),
                TableTransactionActionType.UpdateReplace => ("PUT", entityPath, true, IfMatch(action.ETag)),
                TableTransactionActionType.UpsertMerge => ("PATCH", entityPath, true, null),
                TableTransactionActionType.UpsertReplace => ("PUT", entityPath, true, null),
                TableTransactionActionType.Delete => ("DELETE", entityPath, false, IfMatch(action.ETag)),
                _ => throw new ArgumentException($"Unknown action type {action.ActionType}.", nameof(actions)),
            };

            // Content-ID numbers the actions from 1, as Azurite numbers its answers.
            Append(buffer, $"--{changesetBoundary}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: {i + 1}\r\n\r\n");
            Append(buffer, $"{request.Method} {serviceRoot}{request.Path} HTTP/1.1\r\nAccept: {TableConnection.AcceptMinimalMetadata}\r\nDataServiceVersion: 3.0\r\n");
            if (request.IfMatch is not null)
            {
                Append(buffer, $"If-Match: {request.IfMatch}\r\n");
            }

            if (request.HasBody)
            {
                Append(buffer, $"Content-Type: {TableConnection.JsonContentType}\r\nPrefer: return-no-content\r\n\r\n");
                json.Reset(buffer);
                TableEntityJson.Write(json, entity);
                json.Flush();
                Append(buffer, "\r\n");
            }
            else
            {
                Append(buffer, "\r\n");
            }
        }

        Append(buffer, $"--{changesetBoundary}--\r\n--{batchBoundary}--\r\n");
        return RequestContent.Create(buffer.WrittenMemory);
    }

    private static string IfMatch(ETag etag) => etag == default ? "*" : etag.ToString();

    private static void Append(ArrayBufferWriter<byte> buffer, string text)
    {
        Span<byte> target = buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        buffer.Advance(Encoding.UTF8.GetBytes(text, target));
    }
}
