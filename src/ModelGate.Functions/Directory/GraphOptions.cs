using System.Net;

namespace ModelGate.Directory;

/// <summary>How the app reaches Microsoft Graph (section "Graph").</summary>
public sealed class GraphOptions
{
    public const string Section = "Graph";

    public static readonly Uri DefaultBaseUrl = new("https://graph.microsoft.com/v1.0");

    /// <summary>
    /// Graph's v1.0 endpoint. National clouds change the host; local runs and tests point it at the loopback fake,
    /// the only place plain http is accepted. The path must be /v1.0: the SDK's batching cuts exactly that off.
    /// </summary>
    public Uri BaseUrl { get; set; } = DefaultBaseUrl;

    /// <summary>
    /// When false the app never calls Graph, and group memberships come from sign-in tokens alone; callers check
    /// <see cref="EntraDirectory.IsEnabled"/> first.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Retries of a whole request answered 429, 503 or 504 (the SDK's retry handler, honouring Retry-After).</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>
    /// The most a request waits in total for Retry-After before its failure is reported (so the caller gets 503
    /// instead of hanging); also bounds the waits of throttled batch items.
    /// </summary>
    public TimeSpan MaxRetryWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Times a throttled item of a <c>$batch</c> is sent, the first included; the SDK does not retry items itself.</summary>
    public int BatchItemAttempts { get; set; } = 4;

    /// <summary>Returns why the options cannot work, or null when they can.</summary>
    public string? Problem()
    {
        if (!BaseUrl.IsAbsoluteUri || !(BaseUrl.Scheme == Uri.UriSchemeHttps || (BaseUrl.Scheme == Uri.UriSchemeHttp && IsLoopback(BaseUrl))))
            return "Graph:BaseUrl must be an https URL (http only on loopback, for the Graph fake).";
        if (BaseUrl.AbsolutePath.TrimEnd('/') != "/v1.0" || BaseUrl.Query.Length > 0)
            return "Graph:BaseUrl must end in /v1.0, such as https://graph.microsoft.com/v1.0.";
        if (MaxRetries is < 0 or > 10) return "Graph:MaxRetries must be from 0 to 10.";
        if (MaxRetryWait < TimeSpan.Zero || MaxRetryWait > TimeSpan.FromMinutes(5)) return "Graph:MaxRetryWait must be from 0 to 5 minutes.";
        if (BatchItemAttempts is < 1 or > 10) return "Graph:BatchItemAttempts must be from 1 to 10.";
        return null;
    }

    internal static bool IsLoopback(Uri url) =>
        url.IsLoopback || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
