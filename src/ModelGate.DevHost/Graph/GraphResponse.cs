using System.Buffers;
using System.Text.Json;

namespace ModelGate.DevHost.Graph;

/// <summary>An answer to a whole request or to one batch item: status, extra headers, and a JSON body or none.</summary>
internal sealed record GraphResponse(int Status, byte[]? Body, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>What Graph names its JSON answers; the SDK parses by the media type before the first ';'.</summary>
    public const string JsonContentType = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

    private static readonly IReadOnlyDictionary<string, string> NoHeaders = new Dictionary<string, string>();

    public static GraphResponse NoContent { get; } = new(StatusCodes.Status204NoContent, null, NoHeaders);

    public static GraphResponse Json(int status, Action<Utf8JsonWriter> write) => new(status, WriteJson(write), NoHeaders);

    public static GraphResponse Error(GraphErrorException error, string requestId)
    {
        var headers = new Dictionary<string, string>();
        if (error.RetryAfter is { } retryAfter)
        {
            headers["Retry-After"] = retryAfter;
        }

        var body = WriteJson(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("code", error.Code);
            writer.WriteString("message", error.Message);
            writer.WriteStartObject("innerError");
            writer.WriteString("date", GraphTime.Format(DateTimeOffset.UtcNow));
            writer.WriteString("request-id", requestId);
            writer.WriteString("client-request-id", requestId);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        });
        return new GraphResponse(error.Status, body, headers);
    }

    public static byte[] WriteJson(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
