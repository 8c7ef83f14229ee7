namespace ModelGate.Directory;

/// <summary>
/// Graph no longer knows a delta link's sync state (410 Gone; links expire after about 7 days). The caller starts
/// a new round without a link and replaces what it holds with the full state that round returns.
/// </summary>
public sealed class GroupDeltaExpiredException(Exception inner)
    : Exception("Graph no longer knows this delta link (410 Gone); start a new delta round without it.", inner);
