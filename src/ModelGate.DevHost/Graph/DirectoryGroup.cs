namespace ModelGate.DevHost.Graph;

/// <summary>A group as the directory holds it; mutable, and only touched under the directory's lock.</summary>
internal sealed class DirectoryGroup(string id, string displayName)
{
    public string Id { get; } = id;

    public string DisplayName { get; set; } = displayName;

    /// <summary>Direct members, sorted so pages come out in a stable order.</summary>
    public SortedSet<string> Members { get; } = new(StringComparer.Ordinal);
}
