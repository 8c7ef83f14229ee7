using ModelGate.GroupFreshness;

namespace ModelGate.Tests.GroupFreshness;

public sealed class ChunkPlanTests
{
    private static HashSet<string> Set(IEnumerable<string> ids) => ids.ToHashSet(StringComparer.Ordinal);

    private static List<string> Groups(string prefix, int count) => [.. Enumerable.Range(0, count).Select(i => $"{prefix}{i:D3}")];

    [Fact]
    public void Make_WithUnchangedGroups_KeepsEveryChunkAndItsLink()
    {
        var a = new SyncChunk("a", Groups("a", 50), "link-a");
        var b = new SyncChunk("b", Groups("b", 30), "link-b");
        var tracked = Set([.. a.Groups, .. b.Groups]);

        var plan = ChunkPlan.Make([a, b], tracked, Set(a.Groups));

        Assert.Equal(["link-a", "link-b"], plan.Chunks.Select(c => c.DeltaLink));
        Assert.Empty(plan.RemovedChunkIds);
        Assert.Empty(plan.DroppedGroups);
        Assert.Equal(50, plan.Chunks[0].Named.Count);
        Assert.Empty(plan.Chunks[1].Named);
    }

    [Fact]
    public void Make_WhenAGroupIsNoLongerTracked_DropsItAndTheChunkStartsOver()
    {
        var a = new SyncChunk("a", Groups("a", 40), "link-a");
        var tracked = Set(a.Groups.Skip(1));

        var plan = ChunkPlan.Make([a], tracked, tracked);

        Assert.Equal(["a000"], plan.DroppedGroups);
        var chunk = Assert.Single(plan.Chunks);
        Assert.True(chunk.NeedsFullRound);
        Assert.Equal(39, chunk.Groups.Count);
    }

    [Fact]
    public void Make_PutsNewGroupsIntoChunksThatStartOverAnyway_ThenIntoNewChunksOfAtMost50()
    {
        var full = new SyncChunk("full", Groups("f", 50), "link-full");
        var restarting = new SyncChunk("restarting", Groups("r", 45));
        var incoming = Groups("n", 60);
        var tracked = Set([.. full.Groups, .. restarting.Groups, .. incoming]);

        var plan = ChunkPlan.Make([full, restarting], tracked, tracked);

        Assert.Equal("link-full", plan.Chunks.Single(c => c.Id == "full").DeltaLink);
        Assert.Equal(50, plan.Chunks.Single(c => c.Id == "restarting").Groups.Count);
        Assert.Equal([50, 50, 50, 5], plan.Chunks.Select(c => c.Groups.Count));
        Assert.All(plan.Chunks.Skip(1), c => Assert.True(c.NeedsFullRound));
        Assert.Equal(tracked.Order(StringComparer.Ordinal), plan.Assigned.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Make_MergesSmallChunks_SoGroupsAddedOneAtATimeDoNotCostARequestEach()
    {
        var stored = Enumerable.Range(0, 6).Select(i => new SyncChunk($"c{i}", [$"g{i}"], $"link-{i}")).ToList();
        var tracked = Set(stored.SelectMany(c => c.Groups));

        var plan = ChunkPlan.Make(stored, tracked, tracked);

        var merged = Assert.Single(plan.Chunks);
        Assert.Equal(6, merged.Groups.Count);
        Assert.True(merged.NeedsFullRound);
        Assert.Equal(6, plan.RemovedChunkIds.Count);
    }

    [Fact]
    public void Make_PutsANewGroupIntoTheOneSmallChunk_RatherThanANewChunk()
    {
        var big = new SyncChunk("big", Groups("b", 50), "link-big");
        var small = new SyncChunk("small", Groups("s", 3), "link-small");
        var tracked = Set([.. big.Groups, .. small.Groups, "new"]);

        var plan = ChunkPlan.Make([big, small], tracked, tracked);

        Assert.Equal(2, plan.Chunks.Count);
        Assert.Contains("new", plan.Chunks.Single(c => c.Id == "small").Groups);
        Assert.Equal("link-big", plan.Chunks.Single(c => c.Id == "big").DeltaLink);
    }

    [Fact]
    public void AddDiscovered_MakesNewChunksForNestedGroupsFoundDuringARun()
    {
        var plan = ChunkPlan.Make([new SyncChunk("a", ["outer"], "link")], Set(["outer"]), Set(["outer"]));

        var added = plan.AddDiscovered(["inner-1", "inner-2"], Set(["outer"]));

        var chunk = Assert.Single(added);
        Assert.Equal(["inner-1", "inner-2"], chunk.Groups);
        Assert.Empty(chunk.Named);
        Assert.Equal("link", plan.Chunks[0].DeltaLink);
    }
}
