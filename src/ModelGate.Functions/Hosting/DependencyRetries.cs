using Azure.Core;

namespace ModelGate.Hosting;

/// <summary>
/// How every Azure client retries. Short and bounded: a request waits at most a few seconds for a store
/// or vault before the caller gets 503, rather than hanging until the Functions host times out.
/// </summary>
public static class DependencyRetries
{
    public static T Apply<T>(T options) where T : ClientOptions
    {
        options.Retry.MaxRetries = 3;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        return options;
    }
}
