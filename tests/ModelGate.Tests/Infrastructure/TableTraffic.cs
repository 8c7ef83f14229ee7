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
    private volatile Action<Request>? observe;

    public long Requests => Interlocked.Read(ref requests);

    /// <summary>Requests for which this returns true fail; null lets everything through.</summary>
    public Func<Request, bool>? FailWhen
    {
        get => failWhen;
        set => failWhen = value;
    }

    /// <summary>Sees every request before it is sent (after <see cref="FailWhen"/> let it through).</summary>
    public Action<Request>? Observe
    {
        get => observe;
        set => observe = value;
    }

    /// <summary>
    /// How many entities of the table whose name ends with <paramref name="tableSuffix"/> the request writes or deletes:
    /// one for a single entity write, one per action for a <c>$batch</c> (its changeset names each entity).
    /// </summary>
    public static int EntityWrites(Request request, string tableSuffix)
    {
        string[] writes = ["PUT", "PATCH", "MERGE", "DELETE", "POST"];
        if (!request.Uri.Path.EndsWith("/$batch", StringComparison.Ordinal))
            return writes.Contains(request.Method.Method, StringComparer.OrdinalIgnoreCase) && request.Uri.Path.Contains(tableSuffix + "(", StringComparison.Ordinal) ? 1 : 0;
        using var body = new MemoryStream();
        request.Content?.WriteTo(body, CancellationToken.None);
        var text = System.Text.Encoding.UTF8.GetString(body.ToArray());
        return text.Split("\r\n").Count(line => writes.Any(w => line.StartsWith(w + " ", StringComparison.Ordinal)) && line.Contains(tableSuffix + "(", StringComparison.Ordinal));
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
        observe?.Invoke(message.Request);
    }
}
