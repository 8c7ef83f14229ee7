using Azure.Core;
using Azure.Core.Pipeline;

namespace ModelGate.Bench.GraphRefresh;

/// <summary>
/// Counts the entities the app writes or deletes per table, whether one per request or up to 100 inside a
/// <c>$batch</c> (whose changeset names each entity on its request line), and the requests themselves.
/// </summary>
internal sealed class TableWrites : HttpPipelinePolicy
{
    private static readonly string[] WriteMethods = ["PUT", "PATCH", "MERGE", "DELETE"];

    private readonly Dictionary<string, long> _entities = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _requests;

    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Entities written in the table whose name ends with <paramref name="table"/>.</summary>
    public long EntitiesIn(string table)
    {
        lock (_gate) return _entities.Where(e => e.Key.EndsWith(table, StringComparison.Ordinal)).Sum(e => e.Value);
    }

    public void Reset()
    {
        lock (_gate) _entities.Clear();
        Interlocked.Exchange(ref _requests, 0);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message.Request);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message.Request);
        return ProcessNextAsync(message, pipeline);
    }

    private void Count(Request request)
    {
        Interlocked.Increment(ref _requests);
        if (request.Uri.Path.EndsWith("/$batch", StringComparison.Ordinal))
        {
            using var body = new MemoryStream();
            request.Content?.WriteTo(body, CancellationToken.None);
            foreach (var line in System.Text.Encoding.UTF8.GetString(body.ToArray()).Split("\r\n"))
            {
                var space = line.IndexOf(' ');
                if (space > 0 && WriteMethods.Contains(line[..space]) && TableOf(line[(space + 1)..]) is { } table) Add(table);
            }
        }
        else if (WriteMethods.Contains(request.Method.Method) && TableOf(request.Uri.Path) is { } table)
        {
            Add(table);
        }
    }

    // ".../account/TableName(PartitionKey='..',RowKey='..') ..." → "TableName"
    private static string? TableOf(string text)
    {
        var paren = text.IndexOf("(PartitionKey=", StringComparison.Ordinal);
        if (paren < 0) return null;
        var slash = text.LastIndexOf('/', paren);
        return text[(slash + 1)..paren];
    }

    private void Add(string table)
    {
        lock (_gate) _entities[table] = _entities.GetValueOrDefault(table) + 1;
    }
}
