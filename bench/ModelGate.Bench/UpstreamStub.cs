using System.Net;

namespace ModelGate.Bench;

/// <summary>
/// The model every target ends at: any method and path gets the same small chat completion (with usage, so the
/// gateway's usage tap has something to read), as cheaply as Kestrel can answer, so the upstream is never
/// what the comparison measures.
/// </summary>
internal static class UpstreamStub
{
    private static readonly byte[] Completion = """
        {"id":"chatcmpl-bench","object":"chat.completion","created":1767225600,"model":"bench-chat","choices":[{"index":0,"message":{"role":"assistant","content":"Benchmarks measure what they measure and nothing more."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}
        """u8.ToArray();

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, args.Port));
        await using var app = builder.Build();
        app.Run(static context =>
        {
            var response = context.Response;
            response.StatusCode = 200;
            response.ContentType = "application/json";
            response.ContentLength = Completion.Length;
            return response.Body.WriteAsync(Completion).AsTask();
        });
        await app.StartAsync();
        using var stats = Serving.WriteStats(args.StatsPath);
        Serving.Ready(("url", Serving.AddressOf(app).AbsoluteUri), ("bytes", Completion.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await Serving.UntilStoppedAsync();
        await app.StopAsync();
        return 0;
    }
}
