using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace ModelGate.Tests.Infrastructure;

/// <summary>How a <see cref="NotificationReceiver"/> answers Graph's validation handshake.</summary>
public enum ValidationAnswer
{
    /// <summary>200 text/plain with the token, as Graph requires.</summary>
    Echo,

    /// <summary>200 text/plain with something else.</summary>
    WrongToken,

    /// <summary>No answer at all (until the caller gives up).</summary>
    Silent,
}

/// <summary>
/// A tiny HTTP listener on loopback standing in for a webhook: answers validation handshakes as told and records
/// every notification posted to it, answering 202.
/// </summary>
public sealed class NotificationReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private NotificationReceiver(WebApplication app, int port)
    {
        _app = app;
        NotificationUrl = new Uri($"http://127.0.0.1:{port}/notifications");
        LifecycleUrl = new Uri($"http://127.0.0.1:{port}/lifecycle");
    }

    public Uri NotificationUrl { get; }

    public Uri LifecycleUrl { get; }

    /// <summary>Validation tokens received, decoded.</summary>
    public ConcurrentQueue<string> ValidationTokens { get; } = new();

    /// <summary>Notification bodies received, with the path they came to.</summary>
    public ConcurrentQueue<(string Path, JsonNode Body)> Notifications { get; } = new();

    public static async Task<NotificationReceiver> StartAsync(ValidationAnswer answer = ValidationAnswer.Echo)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        NotificationReceiver? receiver = null;
        app.Run(async context =>
        {
            var token = context.Request.Query["validationToken"].ToString();
            if (token.Length > 0)
            {
                receiver!.ValidationTokens.Enqueue(token);
                if (answer == ValidationAnswer.Silent)
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }

                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync(answer == ValidationAnswer.Echo ? token : "not the token", context.RequestAborted);
                return;
            }

            var body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            receiver!.Notifications.Enqueue((context.Request.Path.Value ?? string.Empty, body!));
            context.Response.StatusCode = StatusCodes.Status202Accepted;
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        receiver = new NotificationReceiver(app, new Uri(address).Port);
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
