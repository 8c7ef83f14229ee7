using System.Text.Json;
using Azure;
using Azure.Core;

namespace ModelGate.Storage;

// Reads the Table service's error code and message. The code comes from x-ms-error-code; the OData
// error body ({"odata.error":{"code":..,"message":{"value":..}}}) fills in whatever the header lacks.
internal sealed class TableErrorParser : RequestFailedDetailsParser
{
    public static TableErrorParser Instance { get; } = new();

    public override bool TryParse(Response response, out ResponseError? error, out IDictionary<string, string>? data)
    {
        data = null;
        response.Headers.TryGetValue("x-ms-error-code", out string? code);
        string? message = null;
        BinaryData? content = null;
        try
        {
            content = response.Content;
        }
        catch (InvalidOperationException)
        {
            // An unbuffered body cannot be read here; the header alone has to do.
        }

        if (content is not null && !content.IsEmpty)
        {
            TryReadODataError(content.ToMemory().Span, out string? bodyCode, out message);
            code ??= bodyCode;
        }

        if (code is null && message is null)
        {
            error = null;
            return false;
        }

        error = new ResponseError(code, message ?? code);
        return true;
    }

    public static bool TryReadODataError(ReadOnlySpan<byte> json, out string? code, out string? message)
    {
        code = null;
        message = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !(root.TryGetProperty("odata.error", out JsonElement error) || root.TryGetProperty("error", out error))
                || error.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            if (error.TryGetProperty("code", out JsonElement codeElement) && codeElement.ValueKind == JsonValueKind.String)
            {
                code = codeElement.GetString();
            }

            if (error.TryGetProperty("message", out JsonElement messageElement))
            {
                message = messageElement.ValueKind switch
                {
                    JsonValueKind.String => messageElement.GetString(),
                    JsonValueKind.Object when messageElement.TryGetProperty("value", out JsonElement value)
                        && value.ValueKind == JsonValueKind.String => value.GetString(),
                    _ => null,
                };
            }

            return code is not null || message is not null;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
