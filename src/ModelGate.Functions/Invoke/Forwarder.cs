using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace ModelGate.Invoke;

public enum ForwardError { None, UpstreamUnreachable, UpstreamTimeout, ClientAborted, UpstreamBroken }

/// <summary>What happened to one forwarded call, for metering.</summary>
public readonly record struct ForwardResult(int Status, ForwardError Error, long BytesIn, long BytesOut, TokenUsage Usage);

/// <summary>
/// Forwards one request to an upstream and streams the answer back, doing what YARP documents (YARP cannot
/// be restored here): hop-by-hop headers dropped, the caller's credentials never forwarded, X-Forwarded-*
/// set, both bodies streamed, server-sent events flushed per chunk, client abort cancels the upstream call.
/// One SocketsHttpHandler is shared by all calls so connections are pooled.
/// </summary>
public sealed class Forwarder : IDisposable
{
    private static readonly HashSet<string> DroppedRequestHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
        "Proxy-Authorization", "Proxy-Authenticate", "Host",
        // The caller's API key must never reach the upstream.
        "Authorization", "api-key",
        "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto",
    };

    private static readonly HashSet<string> DroppedResponseHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
    };

    private readonly SocketsHttpHandler handler;
    private readonly HttpMessageInvoker invoker;
    private readonly TimeSpan upstreamTimeout;

    public Forwarder(IOptions<InvokeOptions> options)
    {
        handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(options.Value.ConnectTimeoutSeconds),
            // Re-resolve DNS now and then; upstream endpoints move.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            EnableMultipleHttp2Connections = true,
            ActivityHeadersPropagator = null,
        };
        invoker = new HttpMessageInvoker(handler);
        upstreamTimeout = TimeSpan.FromSeconds(options.Value.UpstreamTimeoutSeconds);
    }

    /// <summary>
    /// Sends the current request to <paramref name="target"/> and streams the answer back. With
    /// <paramref name="observeUsage"/> the answer's OpenAI usage is read as it passes. <paramref name="authorize"/>
    /// adds the upstream's own credentials (a header from Key Vault, a managed identity token).
    /// </summary>
    public async Task<ForwardResult> ForwardAsync(HttpContext context, Uri target, bool observeUsage,
        Func<HttpRequestMessage, CancellationToken, ValueTask>? authorize = null)
    {
        var aborted = context.RequestAborted;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        timeout.CancelAfter(upstreamTimeout);

        var requestBody = new CountingStream(context.Request.Body);
        using var request = CreateRequest(context, target, requestBody);
        HttpResponseMessage response;
        try
        {
            if (authorize is not null) await authorize(request, timeout.Token);
            response = await invoker.SendAsync(request, timeout.Token);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return new ForwardResult(499, ForwardError.ClientAborted, requestBody.Count, 0, default);
        }
        catch (OperationCanceledException)
        {
            return new ForwardResult(504, ForwardError.UpstreamTimeout, requestBody.Count, 0, default);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException or null || e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
        {
            return new ForwardResult(502, ForwardError.UpstreamUnreachable, requestBody.Count, 0, default);
        }
        catch (HttpRequestException)
        {
            return new ForwardResult(502, ForwardError.UpstreamBroken, requestBody.Count, 0, default);
        }

        using (response)
        {
            var copied = await CopyResponseAsync(context, response, observeUsage, aborted);
            return copied with { BytesIn = requestBody.Count };
        }
    }

    private static HttpRequestMessage CreateRequest(HttpContext context, Uri target, Stream body)
    {
        var incoming = context.Request;
        var request = new HttpRequestMessage(MethodOf(incoming.Method), target)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        if (incoming.ContentLength > 0 || incoming.Headers.TransferEncoding.Count > 0)
            request.Content = new StreamContent(body, 16 * 1024);

        foreach (var (name, values) in incoming.Headers)
        {
            if (DroppedRequestHeaders.Contains(name)) continue;
            // Almost every header has one value: adding it as a string spares boxing the values and enumerating them.
            if (values.Count == 1)
            {
                if (!request.Headers.TryAddWithoutValidation(name, values[0]))
                    request.Content?.Headers.TryAddWithoutValidation(name, values[0]);
            }
            else if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
        }

        var clientIp = context.Connection.RemoteIpAddress?.ToString();
        var priorFor = incoming.Headers["X-Forwarded-For"].ToString();
        if (clientIp is not null) request.Headers.TryAddWithoutValidation("X-Forwarded-For", priorFor.Length > 0 ? priorFor + ", " + clientIp : clientIp);
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", incoming.Headers["X-Forwarded-Host"].FirstOrDefault() ?? incoming.Host.Value);
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", incoming.Headers["X-Forwarded-Proto"].FirstOrDefault() ?? incoming.Scheme);
        return request;
    }

    /// <summary>
    /// The shared instance for the common methods (Kestrel hands them over as exactly these strings), so a call does
    /// not allocate a method and its encoded bytes; any other method, in any spelling, is passed on as it came.
    /// </summary>
    private static HttpMethod MethodOf(string method) => method switch
    {
        "GET" => HttpMethod.Get,
        "POST" => HttpMethod.Post,
        "PUT" => HttpMethod.Put,
        "DELETE" => HttpMethod.Delete,
        "PATCH" => HttpMethod.Patch,
        "HEAD" => HttpMethod.Head,
        "OPTIONS" => HttpMethod.Options,
        _ => new HttpMethod(method),
    };

    private static async Task<ForwardResult> CopyResponseAsync(HttpContext context, HttpResponseMessage upstream, bool observeUsage,
        CancellationToken aborted)
    {
        var response = context.Response;
        response.StatusCode = (int)upstream.StatusCode;
        foreach (var (name, values) in upstream.Headers)
            if (!DroppedResponseHeaders.Contains(name)) response.Headers[name] = values.ToArray();
        foreach (var (name, values) in upstream.Content.Headers)
            response.Headers[name] = values.ToArray();

        var mediaType = upstream.Content.Headers.ContentType?.MediaType;
        var streaming = string.Equals(mediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);
        // Events must reach the client as the upstream sends them, not when a buffer fills.
        if (streaming) context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var tap = observeUsage ? new UsageTap(streaming ? UsageTap.Format.EventStream : UsageTap.Format.Json, mediaType) : null;

        long bytesOut = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            await using var source = await upstream.Content.ReadAsStreamAsync(aborted);
            while (true)
            {
                int read;
                try
                {
                    read = await source.ReadAsync(buffer, aborted);
                }
                catch (Exception e) when (e is IOException or HttpRequestException && !aborted.IsCancellationRequested)
                {
                    context.Abort(); // the upstream broke mid-body; a truncated success must not look complete
                    return new ForwardResult((int)upstream.StatusCode, ForwardError.UpstreamBroken, 0, bytesOut, tap?.Usage ?? default);
                }
                if (read == 0) break;
                tap?.Observe(buffer.AsSpan(0, read));
                await response.Body.WriteAsync(buffer.AsMemory(0, read), aborted);
                if (streaming) await response.Body.FlushAsync(aborted);
                bytesOut += read;
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return new ForwardResult((int)upstream.StatusCode, ForwardError.ClientAborted, 0, bytesOut, tap?.Usage ?? default);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        tap?.Complete();
        return new ForwardResult((int)upstream.StatusCode, ForwardError.None, 0, bytesOut, tap?.Usage ?? default);
    }

    public void Dispose()
    {
        invoker.Dispose();
        handler.Dispose();
    }

    /// <summary>Counts request body bytes as they stream through, for metering.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Count { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Count; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Add(inner.Read(buffer, offset, count));
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Add(await inner.ReadAsync(buffer, cancellationToken));
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Add(int read)
        {
            Count += read;
            return read;
        }
    }
}
