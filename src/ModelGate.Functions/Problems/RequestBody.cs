using System.Text.Json;
using Microsoft.Extensions.Options;

namespace ModelGate.Problems;

public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>Largest JSON body a management call may send; larger bodies get 413.</summary>
    public int MaxRequestBodyBytes { get; set; } = 64 * 1024;
}

/// <summary>
/// Reads a management request's JSON body so that every way it can be wrong has its own stable code:
/// too large (413), not JSON (415), malformed (invalid_json), unknown field (unknown_field), wrong type
/// (invalid_field). Handlers then only validate meaning.
/// </summary>
public static class RequestBody
{
    public static async Task<T> ReadAsync<T>(HttpContext http) where T : class
    {
        var request = http.Request;
        if (!IsJson(request.ContentType))
            throw new ApiProblem(415, "unsupported_media_type", "Unsupported media type.", "Send the body as application/json.");

        var limit = http.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.MaxRequestBodyBytes;
        if (request.ContentLength > limit) throw TooLarge(limit);

        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit) throw TooLarge(limit);
            buffer.Write(chunk, 0, read);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length),
                new JsonDocumentOptions { MaxDepth = ApiJson.Options.MaxDepth, AllowDuplicateProperties = false });
        }
        catch (JsonException)
        {
            throw ApiProblem.BadRequest("invalid_json", "The body is not valid JSON (or repeats a property).");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw ApiProblem.BadRequest("invalid_json", "The body must be a JSON object.");

            var known = ApiJson.Options.GetTypeInfo(typeof(T)).Properties.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            var unknown = document.RootElement.EnumerateObject().Select(p => p.Name).Where(n => !known.Contains(n)).ToArray();
            if (unknown.Length > 0)
                throw new ApiProblem(400, "unknown_field", "The request is not valid.",
                    "The body has fields this operation does not accept.",
                    unknown.Distinct().ToDictionary(n => n, _ => new[] { "Unknown field." }));

            try
            {
                return document.RootElement.Deserialize<T>(ApiJson.Options)
                    ?? throw ApiProblem.BadRequest("invalid_json", "The body must be a JSON object.");
            }
            catch (JsonException e)
            {
                var field = string.IsNullOrEmpty(e.Path) ? "$" : e.Path;
                throw new ApiProblem(400, "invalid_field", "The request is not valid.",
                    "A field has the wrong type or an unreadable value (such as broken Unicode).",
                    new Dictionary<string, string[]> { [field] = ["Wrong type or unreadable value."] });
            }
        }
    }

    private static bool IsJson(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType)) return false;
        var mediaType = contentType.Split(';', 2)[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    private static ApiProblem TooLarge(int limit) => new(413, "payload_too_large", "Request body too large.",
        $"The body is larger than {limit} bytes.");
}
