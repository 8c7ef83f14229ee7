using Microsoft.Extensions.Primitives;

namespace ModelGate.DevHost.Graph;

/// <summary>
/// A request as the endpoints see it, whether it came over HTTP or inside a <c>$batch</c>: the path segments after
/// <c>/v1.0</c>, the query options, the body, and the base URL that links in the answer start with.
/// </summary>
internal sealed record GraphRequest(
    string Method,
    IReadOnlyList<string> Segments,
    IReadOnlyDictionary<string, string> Query,
    ReadOnlyMemory<byte> Body,
    string BaseUrl)
{
    /// <summary>Reads query options; Graph refuses an option given twice, and so does the fake.</summary>
    public static IReadOnlyDictionary<string, string> ReadQuery(IEnumerable<KeyValuePair<string, StringValues>> query)
    {
        // OData system query options are case-insensitive ($select and $Select are one option).
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in query)
        {
            if (values.Count != 1 || !options.TryAdd(name, values[0] ?? string.Empty))
            {
                throw GraphErrorException.BadRequest($"Query option '{name}' was specified more than once, but it must be specified at most once.");
            }
        }

        return options;
    }

    /// <summary>Splits a path into segments, ignoring a trailing slash.</summary>
    public static IReadOnlyList<string> Split(string path) =>
        path.Trim('/').Length == 0 ? [] : path.Trim('/').Split('/');

    public string? Option(string name) => Query.TryGetValue(name, out var value) ? value : null;

    /// <summary>Refuses system query options ($...) other than the ones an endpoint supports, rather than ignoring them.</summary>
    public void AllowOnly(params string[] supported)
    {
        foreach (var name in Query.Keys)
        {
            if (name.StartsWith('$') && !supported.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                throw GraphErrorException.UnsupportedQuery($"The query option '{name}' is not supported here by the Graph fake.");
            }
        }
    }
}
