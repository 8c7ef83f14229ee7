namespace ModelGate.DevHost.Graph;

/// <summary>
/// What a path asks for, with the methods it answers. Segment names are matched ignoring case, as Graph does; the
/// SDK writes functions and casts in forms real Graph accepts side by side (<c>delta()</c>, <c>graph.group</c>).
/// </summary>
internal sealed record GraphRoute(GraphEndpoint Endpoint, string[] Methods, string? Id = null, string? Cast = null)
{
    public static GraphRoute? Match(IReadOnlyList<string> segments)
    {
        if (segments.Count == 0)
        {
            return null;
        }

        var first = segments[0];
        return segments.Count switch
        {
            1 when Is(first, "$batch") => new(GraphEndpoint.Batch, ["POST"]),
            1 when Is(first, "subscriptions") => new(GraphEndpoint.Subscriptions, ["GET", "POST"]),
            2 when Is(first, "subscriptions") => new(GraphEndpoint.Subscriptions, ["GET", "PATCH", "DELETE"], segments[1]),
            2 when Is(first, "users") => new(GraphEndpoint.User, ["GET"], segments[1]),
            2 when Is(first, "groups") && IsAny(segments[1], "delta", "delta()", "microsoft.graph.delta", "microsoft.graph.delta()") =>
                new(GraphEndpoint.GroupsDelta, ["GET"]),
            3 when Is(first, "users") && IsAny(segments[2], "checkMemberGroups", "microsoft.graph.checkMemberGroups") =>
                new(GraphEndpoint.CheckMemberGroups, ["POST"], segments[1]),
            3 when Is(first, "users") && Is(segments[2], "transitiveMemberOf") =>
                new(GraphEndpoint.TransitiveMemberOf, ["GET"], segments[1]),
            4 when Is(first, "users") && Is(segments[2], "transitiveMemberOf") && IsAny(segments[3], "microsoft.graph.group", "graph.group") =>
                new(GraphEndpoint.TransitiveMemberOf, ["GET"], segments[1], segments[3]),
            _ => null,
        };
    }

    public bool Answers(string method) => Methods.Contains(method, StringComparer.OrdinalIgnoreCase);

    private static bool Is(string segment, string name) => string.Equals(segment, name, StringComparison.OrdinalIgnoreCase);

    private static bool IsAny(string segment, params string[] names) => names.Any(name => Is(segment, name));
}
