using ModelGate.Directory;
using ModelGate.GroupFreshness;

namespace ModelGate.Tests.GroupFreshness;

public sealed class MembershipGraphTests
{
    /// <summary>u1 in a; a in b; b in c; c in a (a cycle); u2 in c; d apart with u3.</summary>
    private static MembershipGraph Nested()
    {
        var graph = new MembershipGraph();
        graph.Add("a", "u1", MemberKind.User);
        graph.Add("b", "a", MemberKind.Group);
        graph.Add("c", "b", MemberKind.Group);
        graph.Add("a", "c", MemberKind.Group);
        graph.Add("c", "u2", MemberKind.User);
        graph.Add("d", "u3", MemberKind.User);
        return graph;
    }

    [Fact]
    public void MembershipsIn_FollowsNestingAtAnyDepth_ThroughCycles()
    {
        var memberships = Nested().MembershipsIn(["c", "d"]);

        Assert.Equal(["c"], memberships["u1"]);
        Assert.Equal(["c"], memberships["u2"]);
        Assert.Equal(["d"], memberships["u3"]);
    }

    [Fact]
    public void UsersUnder_AndGroupsReachableFrom_WalkDownTheNesting()
    {
        var graph = Nested();

        Assert.Equal(["a", "b", "c"], graph.GroupsReachableFrom(["b"]).Order(StringComparer.Ordinal));
        Assert.Equal(["u1", "u2"], graph.UsersUnder(["b"]).Order(StringComparer.Ordinal));
        Assert.Empty(graph.UsersUnder(["unknown"]));
    }

    [Fact]
    public void Apply_AddsAndRemovesMembers_AndARemovedGroupLosesThemAll()
    {
        var graph = Nested();

        graph.Apply(new GroupChange("d", "D", false, [new DirectoryMember("u4", MemberKind.User), new DirectoryMember("sp", MemberKind.Other)],
            [new DirectoryMember("u3", MemberKind.User)]));
        graph.Apply(new GroupChange("c", null, true, [], []));

        Assert.Equal(["u4"], graph.MembersOf("d").Keys);
        Assert.Empty(graph.MembersOf("c"));
        Assert.Equal(["u1"], graph.UsersUnder(["b"]));
    }

    [Fact]
    public void Clone_IsIndependent_AndSameMembersComparesOneGroup()
    {
        var graph = Nested();
        var copy = graph.Clone();
        copy.RemoveMember("d", "u3");

        Assert.False(MembershipGraph.SameMembers(graph, copy, "d"));
        Assert.True(MembershipGraph.SameMembers(graph, copy, "a"));
        Assert.Equal(["u3"], graph.MembersOf("d").Keys);
    }
}
