using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;

namespace ModelGate.DevHost.Graph;

/// <summary>
/// The sync state behind delta tokens and page tokens, kept by the fake as Graph keeps it on its side, so the tokens
/// clients see are opaque. Bounded: the oldest states are forgotten first, and a forgotten token answers 410 as an
/// expired one does.
/// </summary>
internal sealed class DeltaSyncStates
{
    private const int Capacity = 10_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, DeltaToken> _tokens = new(StringComparer.Ordinal);
    private readonly Queue<string> _tokenOrder = new();
    private readonly Dictionary<string, DeltaPages> _pages = new(StringComparer.Ordinal);
    private readonly Queue<string> _pageOrder = new();

    public string SaveToken(DeltaToken token) => Save(_tokens, _tokenOrder, token);

    public DeltaToken? FindToken(string id, long epoch)
    {
        lock (_gate)
        {
            return _tokens.TryGetValue(id, out var token) && token.Epoch == epoch ? token : null;
        }
    }

    public string SavePages(DeltaPages pages) => Save(_pages, _pageOrder, pages);

    public DeltaPages? FindPages(string id, long epoch)
    {
        lock (_gate)
        {
            return _pages.TryGetValue(id, out var pages) && pages.Epoch == epoch ? pages : null;
        }
    }

    private string Save<T>(Dictionary<string, T> states, Queue<string> order, T state)
    {
        var id = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(24));
        lock (_gate)
        {
            states[id] = state;
            order.Enqueue(id);
            while (order.Count > Capacity)
            {
                states.Remove(order.Dequeue());
            }
        }

        return id;
    }
}
