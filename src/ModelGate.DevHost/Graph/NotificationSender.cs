using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace ModelGate.DevHost.Graph;

/// <summary>
/// The fake's outgoing HTTP: validation handshakes and notification posts to the URLs subscriptions name. Tests
/// whose receiver is not on a socket (an in-memory test server) route these calls with <see cref="UseTransport"/>.
/// </summary>
internal sealed class NotificationSender : IDisposable
{
    private HttpMessageHandler _handler = new SocketsHttpHandler { AllowAutoRedirect = false };
    private bool _ownsHandler = true;

    public void UseTransport(HttpMessageHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var previous = Interlocked.Exchange(ref _handler, handler);
        if (_ownsHandler)
        {
            previous.Dispose();
        }

        _ownsHandler = false;
    }

    /// <summary>
    /// Graph's handshake: POST the URL with a <c>validationToken</c> query parameter; the URL must answer 200 with the
    /// token, decoded, as text/plain within the timeout. Returns null when it did, or why it did not.
    /// </summary>
    public async Task<string?> ValidateAsync(Uri url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Shaped like Graph's tokens, spaces and colons included, so receivers must decode the query to echo it.
        var token = $"Validation: Testing client application reachability for subscription Request-Id: {Guid.NewGuid()}";
        var separator = string.IsNullOrEmpty(url.Query) ? "?" : "&";
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url.AbsoluteUri + separator + "validationToken=" + Uri.EscapeDataString(token)))
        {
            Content = new StringContent(string.Empty, Encoding.UTF8, "text/plain"),
        };

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            using var client = new HttpClient(_handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
            using var response = await client.SendAsync(request, timer.Token);
            var body = await response.Content.ReadAsStringAsync(timer.Token);
            if ((int)response.StatusCode != StatusCodes.Status200OK)
            {
                return $"{url} answered {(int)response.StatusCode}, not 200.";
            }

            if (!string.Equals(response.Content.Headers.ContentType?.MediaType, "text/plain", StringComparison.OrdinalIgnoreCase))
            {
                return $"{url} answered with content type '{response.Content.Headers.ContentType}', not text/plain.";
            }

            return body == token ? null : $"{url} did not echo the validation token.";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"{url} did not answer within {timeout.TotalSeconds:0.#} s.";
        }
        catch (HttpRequestException unreachable)
        {
            return $"{url} could not be reached: {unreachable.Message}";
        }
    }

    /// <summary>Posts a notification body; the answer (or its absence) becomes the delivery record.</summary>
    public async Task<(int? Status, string? Failure, TimeSpan Elapsed)> PostJsonAsync(Uri url, byte[] body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            using var client = new HttpClient(_handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
            using var response = await client.SendAsync(request, timer.Token);
            return ((int)response.StatusCode, null, Stopwatch.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"No answer within {timeout.TotalSeconds:0.#} s.", Stopwatch.GetElapsedTime(started));
        }
        catch (HttpRequestException unreachable)
        {
            return (null, $"Not reachable: {unreachable.Message}", Stopwatch.GetElapsedTime(started));
        }
    }

    public void Dispose()
    {
        if (_ownsHandler)
        {
            _handler.Dispose();
        }
    }
}
