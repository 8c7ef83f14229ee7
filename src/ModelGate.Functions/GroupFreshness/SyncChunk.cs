namespace ModelGate.GroupFreshness;

/// <summary>
/// Up to 50 tracked groups that share one Graph delta link (Graph filters a group delta by at most 50 ids, and a
/// link carries its filter, so a chunk's groups stay together as long as the link is used). A chunk whose groups
/// change starts again without a link: its next round returns the full state of its groups.
/// </summary>
public sealed class SyncChunk(string id, IEnumerable<string> groups, string deltaLink = "")
{
    public string Id { get; } = id;

    /// <summary>The groups, in the order they joined.</summary>
    public List<string> Groups { get; } = [.. groups];

    /// <summary>The groups' display names as Graph last sent them (for logs and support; decisions use ids).</summary>
    public Dictionary<string, string> Names { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The groups that grants or backend roles name (the others are tracked only because they nest in those).</summary>
    public HashSet<string> Named { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Where the next delta round continues; empty when the next round must return the full state.</summary>
    public string DeltaLink { get; set; } = deltaLink;

    public bool NeedsFullRound => DeltaLink.Length == 0;
}
