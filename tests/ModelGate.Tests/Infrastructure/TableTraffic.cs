using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace ModelGate.Tests.Infrastructure;

/// <summary>
/// A policy in front of the app's Table Storage pipeline: counts requests and fails the ones a test picks,
/// as a store that cannot answer would (503, before retries, so tests stay fast).
/// </summary>
public sealed class TableTraffic : HttpPipelinePolicy
{
    private long requests;
    private volatile Func<Request, bool>? failWhen;

    public long Requests => Interlocked.Read(ref requests);

    /// <summary>Requests for which this returns true fail; null lets everything through.</summary>
    public Func<Request, bool>? FailWhen
    {
        get => failWhen;
        set => failWhen = value;
    }

    /// <summary>True for a request that writes (PUT, PATCH, MERGE, DELETE) one entity of the table whose name ends with <paramref name="tableSuffix"/>.</summary>
    public static bool IsEntityWrite(Request request, string tableSuffix, params string[] methods) =>
        methods.Contains(request.Method.Method, StringComparer.OrdinalIgnoreCase)
        && request.Uri.Path.Contains(tableSuffix + "(", StringComparison.Ordinal);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Before(message);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Before(message);
        return ProcessNextAsync(message, pipeline);
    }

    private void Before(HttpMessage message)
    {
        Interlocked.Increment(ref requests);
        if (failWhen?.Invoke(message.Request) == true)
            throw new RequestFailedException(503, "Injected Table Storage outage.");
    }
}
