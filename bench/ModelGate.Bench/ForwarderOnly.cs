using System.Net;
using Microsoft.Extensions.Options;
using ModelGate.Invoke;

namespace ModelGate.Bench;

/// <summary>
/// Target (c): the product's <see cref="Forwarder"/> with every check switched off. Hosted like the gateway (the
/// full web builder, warnings-only logging) and forwarding as it does for a chat deployment (usage observed), so
/// the difference to the gateway is the decision chain, the routing in front of it and the meter.
/// </summary>
internal static class ForwarderOnly
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        var upstream = args.RequireUpstream().AbsoluteUri.TrimEnd('/');
        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, args.Port));
        await using var app = builder.Build();
        using var forwarder = new Forwarder(Options.Create(new InvokeOptions()));
        app.Run(async context =>
        {
            var request = context.Request;
            var target = new Uri(upstream + request.Path.Value + request.QueryString.Value);
            var result = await forwarder.ForwardAsync(context, target, observeUsage: true);
            if (result.Error is ForwardError.UpstreamUnreachable or ForwardError.UpstreamBroken && !context.Response.HasStarted)
                context.Response.StatusCode = 502;
            else if (result.Error is ForwardError.UpstreamTimeout && !context.Response.HasStarted)
                context.Response.StatusCode = 504;
        });
        await app.StartAsync();
        using var stats = Serving.WriteStats(args.StatsPath);
        Serving.Ready(("url", Serving.AddressOf(app).AbsoluteUri));
        await Serving.UntilStoppedAsync();
        await app.StopAsync();
        return 0;
    }
}
