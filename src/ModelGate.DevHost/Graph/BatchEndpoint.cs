using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace ModelGate.DevHost.Graph;

/// <summary>
/// <c>POST /$batch</c> (JSON batching): up to 20 requests with relative URLs, answered together as
/// <c>{"responses":[{id,status,headers,body}]}</c>. The batch answers 200 whatever its items answer; each item is
/// routed, counted and answered like a request of its own, and can be throttled on its own.
/// </summary>
internal sealed class BatchEndpoint(GraphCounters counters, Func<GraphRequest, CancellationToken, Task<GraphResponse>> answerItem)
{
    /// <summary>Graph's limit on requests per batch.</summary>
    public const int MaxRequests = 20;

    public async Task<GraphResponse> HandleAsync(GraphRequest request, CancellationToken cancellationToken)
    {
        request.AllowOnly();
        using var document = Parse(request.Body);
        var items = ReadItems(document.RootElement);

        var answered = new Dictionary<string, GraphResponse>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            counters.CountBatchItem();
            answered[item.Id] = await AnswerAsync(item, answered, request.BaseUrl, cancellationToken);
        }

        return GraphResponse.Json(StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("responses");
            foreach (var item in items)
            {
                WriteResponse(writer, item.Id, answered[item.Id]);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    private static JsonDocument Parse(ReadOnlyMemory<byte> body)
    {
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            throw GraphErrorException.BadRequest("Invalid batch payload: the body is not valid JSON.");
        }
    }

    private static List<BatchItem> ReadItems(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("requests", out var requests)
            || requests.ValueKind != JsonValueKind.Array)
        {
            throw GraphErrorException.BadRequest("Invalid batch payload: expected an object with a requests array.");
        }

        var count = requests.GetArrayLength();
        if (count is 0 or > MaxRequests)
        {
            throw GraphErrorException.BadRequest($"Invalid batch payload: a batch holds from 1 to {MaxRequests} requests; this one holds {count}.");
        }

        var items = new List<BatchItem>(count);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var element in requests.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw GraphErrorException.BadRequest("Invalid batch payload: every request must be an object.");
            }

            var id = Text(element, "id");
            if (!ids.Add(id))
            {
                throw GraphErrorException.BadRequest($"Invalid batch payload: the request id '{id}' is used twice.");
            }

            var dependsOn = new List<string>();
            if (element.TryGetProperty("dependsOn", out var dependencies) && dependencies.ValueKind == JsonValueKind.Array)
            {
                foreach (var dependency in dependencies.EnumerateArray())
                {
                    // Items run in order, so a dependency must be an item already answered.
                    dependsOn.Add(dependency.ValueKind == JsonValueKind.String && dependency.GetString() is { } d && ids.Contains(d) && d != id
                        ? d
                        : throw GraphErrorException.BadRequest($"Invalid batch payload: request '{id}' depends on a request that does not come before it."));
                }
            }

            items.Add(new BatchItem(id, Text(element, "method").ToUpperInvariant(), Text(element, "url"), ReadBody(element), dependsOn));
        }

        return items;
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw GraphErrorException.BadRequest($"Invalid batch payload: every request needs a string {name}.");

    // The SDK writes JSON bodies as JSON and anything else base64-encoded, as Graph expects.
    private static byte[] ReadBody(JsonElement element)
    {
        if (!element.TryGetProperty("body", out var body) || body.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (body.ValueKind != JsonValueKind.String)
        {
            return Encoding.UTF8.GetBytes(body.GetRawText());
        }

        var text = body.GetString()!;
        var bytes = new byte[text.Length];
        return Convert.TryFromBase64String(text, bytes, out var written) ? bytes[..written] : Encoding.UTF8.GetBytes(text);
    }

    private async Task<GraphResponse> AnswerAsync(
        BatchItem item, Dictionary<string, GraphResponse> answered, string baseUrl, CancellationToken cancellationToken)
    {
        try
        {
            if (item.DependsOn.FirstOrDefault(d => answered[d].Status is < 200 or > 299) is { } failed)
            {
                throw new GraphErrorException(StatusCodes.Status424FailedDependency, "FailedDependency", $"The request this one depends on ({failed}) failed.");
            }

            return await answerItem(ToRequest(item, baseUrl), cancellationToken);
        }
        catch (GraphErrorException error)
        {
            return GraphResponse.Error(error, Guid.NewGuid().ToString());
        }
    }

    private static GraphRequest ToRequest(BatchItem item, string baseUrl)
    {
        if (Uri.TryCreate(item.Url, UriKind.Absolute, out _) && !item.Url.StartsWith('/'))
        {
            throw GraphErrorException.BadRequest("A batch request URL must be relative to the version, such as /users/{id}/checkMemberGroups.");
        }

        var question = item.Url.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? item.Url : item.Url[..question];
        var query = question < 0 ? string.Empty : item.Url[question..];
        var segments = GraphRequest.Split(path).Select(Uri.UnescapeDataString).ToList();
        return new GraphRequest(item.Method, segments, GraphRequest.ReadQuery(QueryHelpers.ParseQuery(query)), item.Body, baseUrl);
    }

    private static void WriteResponse(Utf8JsonWriter writer, string id, GraphResponse response)
    {
        writer.WriteStartObject();
        writer.WriteString("id", id);
        writer.WriteNumber("status", response.Status);
        writer.WriteStartObject("headers");
        if (response.Body is not null)
        {
            writer.WriteString("Content-Type", GraphResponse.JsonContentType);
        }

        foreach (var (name, value) in response.Headers)
        {
            writer.WriteString(name, value);
        }

        writer.WriteEndObject();
        if (response.Body is not null)
        {
            writer.WritePropertyName("body");
            writer.WriteRawValue(response.Body, skipInputValidation: true);
        }

        writer.WriteEndObject();
    }
}
