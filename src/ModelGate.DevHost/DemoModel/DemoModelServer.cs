using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ModelGate.DevHost.DemoModel;

/// <summary>
/// A small model server on loopback for the local run and the tests: OpenAI-compatible chat completions
/// (plain and streamed as server-sent events, with usage) and a predict endpoint. It answers by echoing,
/// so tests can check exactly what reached the upstream.
/// </summary>
public sealed class DemoModelServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private DemoModelServer(WebApplication app, Uri baseUri)
    {
        this.app = app;
        BaseUri = baseUri;
    }

    /// <summary>http://127.0.0.1:PORT/</summary>
    public Uri BaseUri { get; }

    /// <summary>Delay between streamed chunks; tests widen it to see that chunks arrive before the stream ends.</summary>
    public TimeSpan StreamChunkDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Headers of the last request, so tests can see what the gateway forwarded (and what it did not).</summary>
    public IReadOnlyDictionary<string, string> LastRequestHeaders { get; private set; } = new Dictionary<string, string>();

    public string? LastRequestPath { get; private set; }

    /// <summary>Forgets the last request, so a test can tell that nothing reached the model afterwards.</summary>
    public void ResetLastRequest()
    {
        LastRequestPath = null;
        LastRequestHeaders = new Dictionary<string, string>();
    }

    private int cancelledRequests;

    /// <summary>Requests to /slow whose caller went away before the answer: proof that a client abort reaches the upstream.</summary>
    public int CancelledRequests => Volatile.Read(ref cancelledRequests);

    public static async Task<DemoModelServer> StartAsync(int port = 0, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        DemoModelServer? server = null;
        app.Use(async (context, next) =>
        {
            server!.LastRequestPath = context.Request.Path + context.Request.QueryString;
            server.LastRequestHeaders = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            await next(context);
        });
        app.MapPost("/v1/chat/completions", context => server!.ChatAsync(context));
        app.MapGet("/v1/models", () => Results.Json(new { @object = "list", data = new[] { new { id = "demo-chat", @object = "model", owned_by = "modelgate" } } }));
        app.MapPost("/predict", Predict);
        app.MapGet("/slow", async (int? ms, CancellationToken ct) =>
        {
            try
            {
                await Task.Delay(ms ?? 5000, ct);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref server!.cancelledRequests);
                throw;
            }
            return Results.Text("slow");
        });
        app.MapGet("/health", () => Results.Text("ok"));
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new DemoModelServer(app, new Uri(address.Replace("[::]", "127.0.0.1") + "/"));
        return server;
    }

    /// <summary>{"inputs": [[numbers]...]} → {"predictions": [sum of each row]}.</summary>
    private static async Task<IResult> Predict(HttpRequest request)
    {
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(request.Body);
        }
        catch (JsonException)
        {
            return Results.Json(new { error = "body must be JSON {\"inputs\": [[numbers]]}" }, statusCode: 400);
        }
        if (body?["inputs"] is not JsonArray rows)
            return Results.Json(new { error = "body must be JSON {\"inputs\": [[numbers]]}" }, statusCode: 400);
        var predictions = new List<double>();
        foreach (var row in rows)
        {
            if (row is not JsonArray values) return Results.Json(new { error = "each input is an array of numbers" }, statusCode: 400);
            var sum = 0.0;
            foreach (var value in values)
            {
                if (value is not JsonValue v || !v.TryGetValue<double>(out var number))
                    return Results.Json(new { error = "each input is an array of numbers" }, statusCode: 400);
                sum += number;
            }
            predictions.Add(sum);
        }
        return Results.Json(new { predictions, model = "demo-predict" });
    }

    private async Task ChatAsync(HttpContext context)
    {
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body);
        }
        catch (JsonException)
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsJsonAsync(new { error = new { message = "invalid JSON", type = "invalid_request_error" } });
            return;
        }
        var model = (string?)body?["model"] ?? "demo-chat";
        var lastUser = (body?["messages"] as JsonArray)?.LastOrDefault(m => (string?)m?["role"] == "user")?["content"];
        var prompt = lastUser is JsonValue ? (string?)lastUser ?? "" : lastUser?.ToJsonString() ?? "";
        var words = ("You said: " + prompt).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var promptTokens = Math.Max(1, prompt.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        var usage = new { prompt_tokens = promptTokens, completion_tokens = words.Length, total_tokens = promptTokens + words.Length };
        var id = "chatcmpl-demo" + Guid.NewGuid().ToString("N")[..12];
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        if ((bool?)body?["stream"] != true)
        {
            await context.Response.WriteAsJsonAsync(new
            {
                id,
                @object = "chat.completion",
                created,
                model,
                choices = new[] { new { index = 0, message = new { role = "assistant", content = string.Join(' ', words) }, finish_reason = "stop" } },
                usage,
            });
            return;
        }

        var includeUsage = (bool?)body?["stream_options"]?["include_usage"] == true;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        var abort = context.RequestAborted;
        for (var i = 0; i < words.Length; i++)
        {
            var delta = i == 0 ? (object)new { role = "assistant", content = words[i] } : new { content = " " + words[i] };
            await WriteEventAsync(context, new { id, @object = "chat.completion.chunk", created, model, choices = new[] { new { index = 0, delta, finish_reason = (string?)null } } }, abort);
            await Task.Delay(StreamChunkDelay, abort);
        }
        await WriteEventAsync(context, new { id, @object = "chat.completion.chunk", created, model, choices = new[] { new { index = 0, delta = new { }, finish_reason = "stop" } } }, abort);
        if (includeUsage)
            await WriteEventAsync(context, new { id, @object = "chat.completion.chunk", created, model, choices = Array.Empty<object>(), usage }, abort);
        await context.Response.WriteAsync("data: [DONE]\n\n", abort);
        await context.Response.Body.FlushAsync(abort);
    }

    private static async Task WriteEventAsync(HttpContext context, object chunk, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(chunk);
        await context.Response.WriteAsync("data: " + json + "\n\n", Encoding.UTF8, cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
