using ModelGate.Directory;

namespace ModelGate.GroupFreshness;

/// <summary>
/// The direct members (users and nested groups) of every tracked group, as the last refresh left them. Transitive
/// membership is computed here, locally, rather than asked of Graph per user: Graph's group delta reports only direct
/// members, and a tenant's nesting is small next to its users. Not thread-safe: one refresh owns a copy at a time.
/// </summary>
public sealed class MembershipGraph
{
    private static readonly IReadOnlyDictionary<string, MemberKind> NoMembers = new Dictionary<string, MemberKind>();

    private readonly Dictionary<string, Dictionary<string, MemberKind>> _groups;

    public MembershipGraph() => _groups = new(StringComparer.Ordinal);

    private MembershipGraph(Dictionary<string, Dictionary<string, MemberKind>> groups) => _groups = groups;

    /// <summary>Groups that have members here.</summary>
    public IEnumerable<string> Groups => _groups.Keys;

    /// <summary>Direct member edges (group → member) held.</summary>
    public int EdgeCount => _groups.Values.Sum(m => m.Count);

    public IReadOnlyDictionary<string, MemberKind> MembersOf(string groupId) =>
        _groups.TryGetValue(groupId, out var members) ? members : NoMembers;

    public MembershipGraph Clone() =>
        new(_groups.ToDictionary(g => g.Key, g => new Dictionary<string, MemberKind>(g.Value, StringComparer.Ordinal), StringComparer.Ordinal));

    /// <summary>Adds one member edge; only users and groups are kept (devices and service principals never sign in).</summary>
    public void Add(string groupId, string memberId, MemberKind kind)
    {
        if (kind == MemberKind.Other || groupId == memberId) return;
        if (!_groups.TryGetValue(groupId, out var members)) _groups[groupId] = members = new(StringComparer.Ordinal);
        members[memberId] = kind;
    }

    public void RemoveMember(string groupId, string memberId)
    {
        if (_groups.TryGetValue(groupId, out var members) && members.Remove(memberId) && members.Count == 0) _groups.Remove(groupId);
    }

    /// <summary>Forgets a group's members: the group is gone, or no longer tracked.</summary>
    public void Clear(string groupId) => _groups.Remove(groupId);

    /// <summary>Makes <paramref name="members"/> the group's whole membership (a first or a resynced delta round).</summary>
    public void Replace(string groupId, IEnumerable<DirectoryMember> members)
    {
        _groups.Remove(groupId);
        foreach (var member in members) Add(groupId, member.Id, member.Kind);
    }

    /// <summary>Applies what a delta round following a delta link says about one group.</summary>
    public void Apply(GroupChange change)
    {
        if (change.Removed)
        {
            Clear(change.Id);
            return;
        }
        foreach (var member in change.MembersRemoved) RemoveMember(change.Id, member.Id);
        foreach (var member in change.MembersAdded) Add(change.Id, member.Id, member.Kind);
    }

    /// <summary>The roots and every group nested in them, at any depth (nesting may form cycles; each group counts once).</summary>
    public HashSet<string> GroupsReachableFrom(IEnumerable<string> roots)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        foreach (var root in roots)
            if (found.Add(root)) pending.Push(root);
        while (pending.TryPop(out var group))
        {
            foreach (var (member, kind) in MembersOf(group))
                if (kind == MemberKind.Group && found.Add(member)) pending.Push(member);
        }
        return found;
    }

    /// <summary>Every user in any of <paramref name="groups"/>, directly or through nested groups.</summary>
    public HashSet<string> UsersUnder(IEnumerable<string> groups)
    {
        var users = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in GroupsReachableFrom(groups))
            foreach (var (member, kind) in MembersOf(group))
                if (kind == MemberKind.User) users.Add(member);
        return users;
    }

    /// <summary>
    /// For every user in any of <paramref name="named"/>, directly or through nesting, which of those groups they are
    /// in, in ordinal order. Users in none are absent.
    /// </summary>
    public Dictionary<string, List<string>> MembershipsIn(IEnumerable<string> named)
    {
        var memberships = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var group in named.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            foreach (var user in UsersUnder([group]))
            {
                if (!memberships.TryGetValue(user, out var list)) memberships[user] = list = [];
                list.Add(group);
            }
        }
        return memberships;
    }

    /// <summary>True when the group has the same direct members (and kinds) in both graphs.</summary>
    public static bool SameMembers(MembershipGraph a, MembershipGraph b, string groupId)
    {
        var left = a.MembersOf(groupId);
        var right = b.MembersOf(groupId);
        if (left.Count != right.Count) return false;
        foreach (var (member, kind) in left)
            if (!right.TryGetValue(member, out var other) || other != kind) return false;
        return true;
    }
}
