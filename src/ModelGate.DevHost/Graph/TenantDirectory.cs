using System.Text.RegularExpressions;

namespace ModelGate.DevHost.Graph;

/// <summary>
/// The fake's Entra directory: users, groups and group memberships (groups nest), changed by tests or by the seed
/// file, and readable by Graph clients. Every change is logged with a version, which is what delta tokens and change
/// notifications are computed from. Thread-safe: one lock guards the state and the log.
/// </summary>
public sealed partial class TenantDirectory
{
    private const int MaxDisplayNameLength = 256;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DirectoryGroup> _groups = new(StringComparer.Ordinal);

    // Reverse edges (member -> groups it is a direct member of), so transitive membership walks up, not the whole tree.
    private readonly Dictionary<string, HashSet<string>> _memberOf = new(StringComparer.Ordinal);

    private readonly List<DirectoryChange> _log = [];
    private long _version;

    internal TenantDirectory()
    {
    }

    /// <summary>Raised after every call that changed something, outside the lock.</summary>
    internal event Action? Changed;

    /// <summary>Grows by one with every call that changes a group (its name, its members, its existence).</summary>
    public long Version
    {
        get { lock (_gate) { return _version; } }
    }

    /// <summary>Adds a user. Ids are unique across users and groups, as directory object ids are.</summary>
    public void AddUser(string id, string displayName)
    {
        CheckId(id);
        CheckDisplayName(displayName);
        Change(() =>
        {
            RequireUnusedId(id);
            _users[id] = displayName;
        });
    }

    /// <summary>Deletes a user, which also removes it from every group it was a member of.</summary>
    public void DeleteUser(string id) => Change(() =>
    {
        RequireUser(id);
        DeleteUserCore(id);
    });

    /// <summary>Adds an empty group.</summary>
    public void AddGroup(string id, string displayName)
    {
        CheckId(id);
        CheckDisplayName(displayName);
        Change(() =>
        {
            RequireUnusedId(id);
            AddGroupCore(id, displayName);
        });
    }

    /// <summary>Gives a group a new display name.</summary>
    public void RenameGroup(string id, string displayName)
    {
        CheckDisplayName(displayName);
        Change(() =>
        {
            var group = RequireGroup(id);
            if (group.DisplayName != displayName)
            {
                group.DisplayName = displayName;
                Log(DirectoryChangeKind.GroupRenamed, id);
            }
        });
    }

    /// <summary>
    /// Deletes a group, which also removes it from the groups it was nested in. By default the deletion is the
    /// restorable kind Entra makes (delta reports <c>"reason":"changed"</c>); <paramref name="permanently"/> makes it
    /// the final kind (<c>"reason":"deleted"</c>).
    /// </summary>
    public void DeleteGroup(string id, bool permanently = false) => Change(() =>
    {
        RequireGroup(id);
        DeleteGroupCore(id, permanently);
    });

    /// <summary>Adds a user or a group as a direct member of a group; false when it already was one.</summary>
    public bool AddMember(string groupId, string memberId)
    {
        var added = false;
        Change(() =>
        {
            var group = RequireGroup(groupId);
            if (!_users.ContainsKey(memberId) && !_groups.ContainsKey(memberId))
            {
                throw new ArgumentException($"No user or group '{memberId}' in the directory.", nameof(memberId));
            }

            if (groupId == memberId)
            {
                throw new ArgumentException($"Group '{groupId}' cannot be a member of itself.", nameof(memberId));
            }

            added = AddMemberCore(group, memberId);
        });
        return added;
    }

    /// <summary>Removes a direct member from a group; false when it was not one.</summary>
    public bool RemoveMember(string groupId, string memberId)
    {
        var removed = false;
        Change(() =>
        {
            var group = RequireGroup(groupId);
            removed = RemoveMemberCore(group, memberId);
        });
        return removed;
    }

    public bool ContainsUser(string id)
    {
        lock (_gate)
        {
            return _users.ContainsKey(id);
        }
    }

    public bool ContainsGroup(string id)
    {
        lock (_gate)
        {
            return _groups.ContainsKey(id);
        }
    }

    /// <summary>A group's direct members, in id order.</summary>
    public IReadOnlyList<string> MembersOf(string groupId)
    {
        lock (_gate)
        {
            return [.. RequireGroup(groupId).Members];
        }
    }

    /// <summary>Every group a user or group is a member of, directly or through nesting, in id order.</summary>
    public IReadOnlyList<string> TransitiveGroupsOf(string memberId)
    {
        lock (_gate)
        {
            return [.. TransitiveGroupsCore(memberId).Order(StringComparer.Ordinal)];
        }
    }

    internal static bool IsValidId(string? id) => id is not null && ObjectId().IsMatch(id);

    internal bool IsUser(string id) => ContainsUser(id);

    /// <summary>A user's display name; null when there is no such user.</summary>
    internal string? DisplayNameOfUser(string userId)
    {
        lock (_gate)
        {
            return _users.GetValueOrDefault(userId);
        }
    }

    /// <summary>The transitive groups of a user with their names, in id order; null when there is no such user.</summary>
    internal IReadOnlyList<(string Id, string DisplayName)>? TransitiveGroupsOfUser(string userId)
    {
        lock (_gate)
        {
            if (!_users.ContainsKey(userId))
            {
                return null;
            }

            return [.. TransitiveGroupsCore(userId).Order(StringComparer.Ordinal).Select(id => (id, _groups[id].DisplayName))];
        }
    }

    /// <summary>Which of <paramref name="groupIds"/> a user is a transitive member of, in their order; null when there is no such user.</summary>
    internal IReadOnlyList<string>? CheckMemberGroups(string userId, IReadOnlyList<string> groupIds)
    {
        lock (_gate)
        {
            if (!_users.ContainsKey(userId))
            {
                return null;
            }

            var groups = TransitiveGroupsCore(userId);
            return [.. groupIds.Distinct(StringComparer.Ordinal).Where(groups.Contains)];
        }
    }

    /// <summary>A first delta round: the current state of the groups (all of them when <paramref name="ids"/> is null).</summary>
    internal GroupDeltaRound CurrentState(IReadOnlySet<string>? ids)
    {
        lock (_gate)
        {
            var items = _groups.Values
                .Where(g => ids is null || ids.Contains(g.Id))
                .OrderBy(g => g.Id, StringComparer.Ordinal)
                .Select(FullItem)
                .ToList();
            return new GroupDeltaRound(_version, items);
        }
    }

    /// <summary>
    /// A following delta round: the groups changed after <paramref name="since"/>, each with its net member changes
    /// (a member added and removed again in between is not reported).
    /// </summary>
    internal GroupDeltaRound ChangesSince(long since, IReadOnlySet<string>? ids)
    {
        lock (_gate)
        {
            var items = new List<GroupDeltaItem>();
            foreach (var (groupId, changes) in ChangedGroups(since, ids))
            {
                var knownAtStart = changes[0].Kind != DirectoryChangeKind.GroupCreated;
                if (!_groups.TryGetValue(groupId, out var group))
                {
                    if (knownAtStart)
                    {
                        var permanently = changes.Last(c => c.Kind is DirectoryChangeKind.GroupDeleted or DirectoryChangeKind.GroupSoftDeleted).Kind
                            == DirectoryChangeKind.GroupDeleted;
                        items.Add(new GroupDeltaItem(groupId, null, permanently ? "deleted" : "changed", [], []));
                    }

                    continue;
                }

                // A group the client never saw, or one deleted and made again, is reported whole.
                if (!knownAtStart || changes.Any(c => c.Kind is DirectoryChangeKind.GroupDeleted or DirectoryChangeKind.GroupSoftDeleted))
                {
                    items.Add(FullItem(group));
                    continue;
                }

                var added = new List<DirectoryMemberRef>();
                var removed = new List<DirectoryMemberRef>();
                foreach (var memberChanges in changes
                    .Where(c => c.Kind is DirectoryChangeKind.MemberAdded or DirectoryChangeKind.MemberRemoved)
                    .GroupBy(c => c.MemberId!, StringComparer.Ordinal)
                    .OrderBy(g => g.Key, StringComparer.Ordinal))
                {
                    var wasMember = memberChanges.First().Kind == DirectoryChangeKind.MemberRemoved;
                    var last = memberChanges.Last();
                    var isMember = last.Kind == DirectoryChangeKind.MemberAdded;
                    if (isMember && !wasMember)
                    {
                        added.Add(new DirectoryMemberRef(last.MemberId!, last.MemberKind));
                    }
                    else if (wasMember && !isMember)
                    {
                        removed.Add(new DirectoryMemberRef(last.MemberId!, last.MemberKind));
                    }
                }

                items.Add(new GroupDeltaItem(groupId, group.DisplayName, null, added, removed));
            }

            return new GroupDeltaRound(_version, items);
        }
    }

    /// <summary>The groups changed after <paramref name="since"/>, as notifications name them, and the version they run to.</summary>
    internal (long Version, IReadOnlyList<GroupNotice> Notices) NoticesSince(long since)
    {
        lock (_gate)
        {
            var notices = new List<GroupNotice>();
            foreach (var (groupId, changes) in ChangedGroups(since, null))
            {
                var createdInBetween = changes[0].Kind == DirectoryChangeKind.GroupCreated;
                if (!_groups.ContainsKey(groupId))
                {
                    if (!createdInBetween)
                    {
                        notices.Add(new GroupNotice(groupId, "deleted"));
                    }
                }
                else
                {
                    notices.Add(new GroupNotice(groupId, createdInBetween ? "created" : "updated"));
                }
            }

            return (_version, notices);
        }
    }

    /// <summary>
    /// Makes the directory what the seed says, recording the differences as changes (one version for all of them),
    /// so a client's next delta sees exactly what the edit changed. Returns whether anything changed.
    /// </summary>
    internal bool Replace(DirectorySeed seed)
    {
        var users = (seed.Users ?? []).ToDictionary(u => u.Id!, u => u.DisplayName!, StringComparer.Ordinal);
        var groups = (seed.Groups ?? []).ToDictionary(g => g.Id!, StringComparer.Ordinal);
        var changed = false;
        Change(() =>
        {
            var before = _log.Count;

            // Edges first, so deleting an object below never reports a membership the seed still wants.
            foreach (var group in _groups.Values.Where(g => groups.ContainsKey(g.Id)).ToList())
            {
                var wanted = new HashSet<string>(groups[group.Id].Members ?? [], StringComparer.Ordinal);
                foreach (var member in group.Members.Where(m => !wanted.Contains(m)).ToList())
                {
                    RemoveMemberCore(group, member);
                }
            }

            foreach (var id in _groups.Keys.Where(id => !groups.ContainsKey(id)).ToList())
            {
                DeleteGroupCore(id, permanently: false);
            }

            foreach (var id in _users.Keys.Where(id => !users.ContainsKey(id)).ToList())
            {
                DeleteUserCore(id);
            }

            var renamedUsers = false;
            foreach (var (id, displayName) in users)
            {
                renamedUsers |= !_users.TryGetValue(id, out var current) || current != displayName;
                _users[id] = displayName;
            }

            foreach (var (id, seedGroup) in groups)
            {
                if (!_groups.TryGetValue(id, out var group))
                {
                    AddGroupCore(id, seedGroup.DisplayName!);
                }
                else if (group.DisplayName != seedGroup.DisplayName)
                {
                    group.DisplayName = seedGroup.DisplayName!;
                    Log(DirectoryChangeKind.GroupRenamed, id);
                }
            }

            foreach (var (id, seedGroup) in groups)
            {
                var group = _groups[id];
                foreach (var member in seedGroup.Members ?? [])
                {
                    AddMemberCore(group, member);
                }
            }

            changed = _log.Count != before || renamedUsers;
        });
        return changed;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$")]
    private static partial Regex ObjectId();

    private static void CheckId(string id)
    {
        if (!IsValidId(id))
        {
            throw new ArgumentException(
                $"'{id}' is not a usable object id: 1-128 of letters, digits, '.', '_', '~', '-', starting with a letter or digit.",
                nameof(id));
        }
    }

    private static void CheckDisplayName(string displayName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(displayName);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(displayName.Length, MaxDisplayNameLength, nameof(displayName));
    }

    // Runs a change under the lock with the version already moved on, so all its log entries share one version. A
    // change that logs nothing (adding a user, a no-op, a refusal) gives the version back: Version counts group changes.
    // Listeners hear of changes only after the lock is released, so they may read the directory.
    private void Change(Action change)
    {
        bool logged;
        lock (_gate)
        {
            _version++;
            var before = _log.Count;
            try
            {
                change();
            }
            finally
            {
                logged = _log.Count != before;
                if (!logged)
                {
                    _version--;
                }
            }
        }

        if (logged)
        {
            Changed?.Invoke();
        }
    }

    private void Log(DirectoryChangeKind kind, string groupId, string? memberId = null, DirectoryObjectKind memberKind = DirectoryObjectKind.User) =>
        _log.Add(new DirectoryChange(_version, kind, groupId, memberId, memberKind));

    private void RequireUnusedId(string id)
    {
        if (_users.ContainsKey(id) || _groups.ContainsKey(id))
        {
            throw new ArgumentException($"The directory already has an object with id '{id}'.", nameof(id));
        }
    }

    private void RequireUser(string id)
    {
        if (!_users.ContainsKey(id))
        {
            throw new ArgumentException($"No user '{id}' in the directory.", nameof(id));
        }
    }

    private DirectoryGroup RequireGroup(string id) =>
        _groups.TryGetValue(id, out var group) ? group : throw new ArgumentException($"No group '{id}' in the directory.", nameof(id));

    private DirectoryObjectKind KindOf(string id) => _users.ContainsKey(id) ? DirectoryObjectKind.User : DirectoryObjectKind.Group;

    private void AddGroupCore(string id, string displayName)
    {
        _groups[id] = new DirectoryGroup(id, displayName);
        Log(DirectoryChangeKind.GroupCreated, id);
    }

    private bool AddMemberCore(DirectoryGroup group, string memberId)
    {
        if (!group.Members.Add(memberId))
        {
            return false;
        }

        if (!_memberOf.TryGetValue(memberId, out var parents))
        {
            _memberOf[memberId] = parents = new HashSet<string>(StringComparer.Ordinal);
        }

        parents.Add(group.Id);
        Log(DirectoryChangeKind.MemberAdded, group.Id, memberId, KindOf(memberId));
        return true;
    }

    private bool RemoveMemberCore(DirectoryGroup group, string memberId)
    {
        if (!group.Members.Remove(memberId))
        {
            return false;
        }

        if (_memberOf.TryGetValue(memberId, out var parents))
        {
            parents.Remove(group.Id);
        }

        Log(DirectoryChangeKind.MemberRemoved, group.Id, memberId, KindOf(memberId));
        return true;
    }

    private void DeleteUserCore(string id)
    {
        foreach (var parent in (_memberOf.GetValueOrDefault(id) ?? []).ToList())
        {
            RemoveMemberCore(_groups[parent], id);
        }

        _memberOf.Remove(id);
        _users.Remove(id);
    }

    private void DeleteGroupCore(string id, bool permanently)
    {
        foreach (var parent in (_memberOf.GetValueOrDefault(id) ?? []).ToList())
        {
            RemoveMemberCore(_groups[parent], id);
        }

        foreach (var member in _groups[id].Members)
        {
            _memberOf.GetValueOrDefault(member)?.Remove(id);
        }

        _memberOf.Remove(id);
        _groups.Remove(id);
        Log(permanently ? DirectoryChangeKind.GroupDeleted : DirectoryChangeKind.GroupSoftDeleted, id);
    }

    // Walks up the reverse edges; the visited set also ends cycles, which nesting can make.
    private HashSet<string> TransitiveGroupsCore(string memberId)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        pending.Push(memberId);
        while (pending.TryPop(out var current))
        {
            foreach (var parent in _memberOf.GetValueOrDefault(current) ?? [])
            {
                if (found.Add(parent))
                {
                    pending.Push(parent);
                }
            }
        }

        found.Remove(memberId);
        return found;
    }

    private GroupDeltaItem FullItem(DirectoryGroup group) => new(
        group.Id,
        group.DisplayName,
        null,
        [.. group.Members.Select(m => new DirectoryMemberRef(m, KindOf(m)))],
        []);

    // The log entries after a version, per group in id order; the log is in version order, so the start is a search.
    private IEnumerable<(string GroupId, List<DirectoryChange> Changes)> ChangedGroups(long since, IReadOnlySet<string>? ids)
    {
        var start = FirstIndexAfter(since);
        var byGroup = new SortedDictionary<string, List<DirectoryChange>>(StringComparer.Ordinal);
        for (var i = start; i < _log.Count; i++)
        {
            var change = _log[i];
            if (ids is not null && !ids.Contains(change.GroupId))
            {
                continue;
            }

            if (!byGroup.TryGetValue(change.GroupId, out var list))
            {
                byGroup[change.GroupId] = list = [];
            }

            list.Add(change);
        }

        return byGroup.Select(pair => (pair.Key, pair.Value));
    }

    private int FirstIndexAfter(long version)
    {
        int low = 0, high = _log.Count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (_log[middle].Version <= version)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}
