using ModelGate.Directory;
using ModelGate.Hosting;

namespace ModelGate.GroupFreshness;

/// <summary>
/// Fits the tracked groups into chunks of at most 50 while keeping as many delta links as possible: a stored chunk
/// keeps its link unless a group leaves it. New groups go first into chunks that start over anyway, then into
/// small chunks, then into new ones; small chunks are merged, so adding one group at a time does not leave a delta
/// request per group behind.
/// </summary>
public sealed class ChunkPlan
{
    private const int Size = EntraDirectory.MaxGroupsPerDelta;

    // A chunk under half full is small: two of them are worth one full round to merge.
    private const int Small = Size / 2;

    private ChunkPlan(List<SyncChunk> chunks, List<string> removedChunkIds, List<string> droppedGroups)
    {
        Chunks = chunks;
        RemovedChunkIds = removedChunkIds;
        DroppedGroups = droppedGroups;
    }

    /// <summary>The chunks from now on.</summary>
    public List<SyncChunk> Chunks { get; }

    /// <summary>Stored chunks that no longer exist.</summary>
    public List<string> RemovedChunkIds { get; }

    /// <summary>Groups that were tracked and no longer are.</summary>
    public List<string> DroppedGroups { get; }

    /// <summary>Every group in a chunk.</summary>
    public HashSet<string> Assigned => Chunks.SelectMany(c => c.Groups).ToHashSet(StringComparer.Ordinal);

    public static ChunkPlan Make(IReadOnlyList<SyncChunk> stored, IReadOnlySet<string> tracked, IReadOnlySet<string> named)
    {
        var chunks = new List<SyncChunk>();
        var removed = new List<string>();
        var dropped = new List<string>();
        foreach (var chunk in stored)
        {
            var keep = chunk.Groups.Where(tracked.Contains).ToList();
            dropped.AddRange(chunk.Groups.Where(g => !tracked.Contains(g)));
            if (keep.Count == 0)
            {
                removed.Add(chunk.Id);
                continue;
            }
            var copy = new SyncChunk(chunk.Id, keep, keep.Count == chunk.Groups.Count ? chunk.DeltaLink : "")
            {
                Names = chunk.Names.Where(n => tracked.Contains(n.Key)).ToDictionary(n => n.Key, n => n.Value, StringComparer.Ordinal),
            };
            chunks.Add(copy);
        }

        var placed = chunks.SelectMany(c => c.Groups).ToHashSet(StringComparer.Ordinal);
        var incoming = tracked.Where(g => !placed.Contains(g)).Order(StringComparer.Ordinal).ToList();

        var small = chunks.Where(c => c.Groups.Count < Small).ToList();
        if (small.Count >= 2)
        {
            foreach (var chunk in small)
            {
                chunks.Remove(chunk);
                removed.Add(chunk.Id);
                incoming.AddRange(chunk.Groups);
            }
        }

        var plan = new ChunkPlan(chunks, removed, dropped);
        plan.Place(incoming, intoExisting: true);
        plan.MarkNamed(named);
        return plan;
    }

    /// <summary>
    /// Puts groups found during a run (nested in tracked groups) into new chunks, which the run then syncs; returns
    /// those chunks.
    /// </summary>
    public List<SyncChunk> AddDiscovered(IEnumerable<string> groups, IReadOnlySet<string> named)
    {
        var before = Chunks.Count;
        Place([.. groups], intoExisting: false);
        MarkNamed(named);
        return Chunks.GetRange(before, Chunks.Count - before);
    }

    private void Place(List<string> groups, bool intoExisting)
    {
        var queue = new Queue<string>(groups);
        if (intoExisting)
        {
            // Chunks that start over cost the same with more groups; small ones cost little to start over.
            foreach (var chunk in Chunks.Where(c => c.NeedsFullRound).Concat(Chunks.Where(c => !c.NeedsFullRound && c.Groups.Count < Small)).ToList())
            {
                while (queue.Count > 0 && chunk.Groups.Count < Size)
                {
                    chunk.Groups.Add(queue.Dequeue());
                    chunk.DeltaLink = "";
                }
            }
        }
        while (queue.Count > 0)
        {
            var chunk = new SyncChunk(Ids.New(), []);
            while (queue.Count > 0 && chunk.Groups.Count < Size) chunk.Groups.Add(queue.Dequeue());
            Chunks.Add(chunk);
        }
    }

    private void MarkNamed(IReadOnlySet<string> named)
    {
        foreach (var chunk in Chunks) chunk.Named = chunk.Groups.Where(named.Contains).ToHashSet(StringComparer.Ordinal);
    }
}
