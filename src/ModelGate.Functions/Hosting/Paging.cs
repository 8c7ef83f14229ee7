using System.Buffers.Text;
using System.Text;
using ModelGate.Problems;

namespace ModelGate.Hosting;

/// <summary>
/// Reads ?limit= (default 50, at most 200) and ?continuation=, and writes the list shape
/// {items, continuation}. The continuation is an opaque base64url of the last key returned.
/// </summary>
public sealed record Paging(int Limit, string? After)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    public static Paging From(HttpRequest request)
    {
        var limit = DefaultLimit;
        var rawLimit = request.Query["limit"].ToString();
        if (rawLimit.Length > 0 && (!int.TryParse(rawLimit, out limit) || limit < 1 || limit > MaxLimit))
            throw ApiProblem.Validation("limit", $"A whole number from 1 to {MaxLimit}.");

        string? after = null;
        var continuation = request.Query["continuation"].ToString();
        if (continuation.Length > 0)
        {
            try
            {
                after = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(continuation));
            }
            catch (FormatException)
            {
                after = null;
            }
            if (!Text.IsKeySafe(after))
                throw ApiProblem.BadRequest("invalid_continuation", "The continuation token is not one this API issued.");
        }
        return new Paging(limit, after);
    }

    /// <summary>Takes up to Limit items; when more exist, the continuation names the last one taken.</summary>
    public async Task<Page<TOut>> TakeAsync<TIn, TOut>(IAsyncEnumerable<TIn> source, Func<TIn, string> key, Func<TIn, TOut> map,
        CancellationToken cancellationToken)
    {
        var items = new List<TOut>(Math.Min(Limit, 64));
        string? lastKey = null;
        await foreach (var item in source.WithCancellation(cancellationToken))
        {
            if (items.Count == Limit)
                return new Page<TOut>(items, Base64Url.EncodeToString(Encoding.UTF8.GetBytes(lastKey!)));
            items.Add(map(item));
            lastKey = key(item);
        }
        return new Page<TOut>(items, null);
    }
}

public sealed record Page<T>(IReadOnlyList<T> Items, string? Continuation);
