using System.Text;
using System.Text.Json;

namespace ModelGate.Invoke;

/// <summary>Token counts an upstream reported (OpenAI "usage"); zero when it reported none.</summary>
public readonly record struct TokenUsage(long PromptTokens, long CompletionTokens);

/// <summary>
/// Reads OpenAI "usage" out of a response while it streams past, without holding the response: a JSON
/// body is kept only up to a bound; an event stream is read line by line and only "data:" lines that
/// mention usage are parsed (OpenAI sends it in the last chunk when stream_options.include_usage is set).
/// </summary>
internal sealed class UsageTap(UsageTap.Format format, string? mediaType)
{
    public enum Format { Json, EventStream }

    private const int MaxJsonBytes = 1024 * 1024;
    private const int MaxLineBytes = 64 * 1024;
    private static readonly byte[] UsageMarker = "\"usage\""u8.ToArray();

    private readonly MemoryStream pending = new();
    private readonly bool isJson = format == Format.EventStream
        || (mediaType?.EndsWith("json", StringComparison.OrdinalIgnoreCase) ?? false);
    private bool overflow;

    public TokenUsage Usage { get; private set; }

    public void Observe(ReadOnlySpan<byte> chunk)
    {
        if (!isJson || overflow) return;
        if (format == Format.Json)
        {
            if (pending.Length + chunk.Length > MaxJsonBytes) { overflow = true; return; }
            pending.Write(chunk);
            return;
        }
        while (chunk.Length > 0)
        {
            var newline = chunk.IndexOf((byte)'\n');
            if (newline < 0)
            {
                if (pending.Length + chunk.Length <= MaxLineBytes) pending.Write(chunk);
                return;
            }
            if (pending.Length + newline <= MaxLineBytes) pending.Write(chunk[..newline]);
            ReadEventLine(pending.GetBuffer().AsSpan(0, (int)pending.Length));
            pending.SetLength(0);
            chunk = chunk[(newline + 1)..];
        }
    }

    public void Complete()
    {
        if (!isJson || overflow) return;
        if (format == Format.Json) Read(pending.GetBuffer().AsSpan(0, (int)pending.Length));
        else ReadEventLine(pending.GetBuffer().AsSpan(0, (int)pending.Length));
    }

    private void ReadEventLine(ReadOnlySpan<byte> line)
    {
        if (!line.StartsWith("data:"u8) || line.IndexOf(UsageMarker) < 0) return;
        Read(line[5..].TrimStart((byte)' '));
    }

    private void Read(ReadOnlySpan<byte> json)
    {
        if (json.IndexOf(UsageMarker) < 0) return;
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                Usage = new TokenUsage(Number(usage, "prompt_tokens"), Number(usage, "completion_tokens"));
            }
        }
        catch (JsonException)
        {
            // Not JSON after all (or cut short): such a call is metered without tokens.
        }
    }

    private static long Number(JsonElement usage, string name) =>
        usage.TryGetProperty(name, out var value) && value.TryGetInt64(out var n) && n >= 0 ? n : 0;

    public override string ToString() => Encoding.UTF8.GetString(pending.ToArray());
}
