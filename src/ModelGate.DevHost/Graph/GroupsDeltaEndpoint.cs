using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ModelGate.DevHost.Graph;

/// <summary>
/// <c>GET /groups/delta</c>: a first round returns the current state of the (filtered) groups, later rounds, through
/// the delta link, only what changed since. Rounds longer than a page continue through next links.
/// </summary>
/// <remarks>
/// A group whose members do not fit one item is sent as several items, the same group id appearing again with the
/// next members (Graph does this for big groups), so clients must merge items by id.
/// </remarks>
internal sealed partial class GroupsDeltaEndpoint(TenantDirectory directory, DeltaSyncStates states, GraphFaults faults, int pageSize)
{
    /// <summary>Graph's limit on <c>id eq</c> clauses in a delta <c>$filter</c>.</summary>
    public const int MaxFilterIds = 50;

    private const string DeltaTokenOption = "$deltatoken";
    private const string SkipTokenOption = "$skiptoken";

    public GraphResponse Handle(GraphRequest request)
    {
        request.AllowOnly("$filter", "$select", DeltaTokenOption, SkipTokenOption);
        var epoch = faults.DeltaTokenEpoch;

        if (request.Option(SkipTokenOption) is { } skipToken)
        {
            var (pagesId, start) = ParseSkipToken(skipToken);
            var pages = states.FindPages(pagesId, epoch) ?? throw GraphErrorException.SyncStateNotFound();
            if (start >= pages.Entries.Count)
            {
                throw GraphErrorException.BadRequest("The $skiptoken is not valid.");
            }

            return Page(request.BaseUrl, pages, pagesId, start);
        }

        DeltaScope scope;
        GroupDeltaRound round;
        var deltaToken = request.Option(DeltaTokenOption);
        if (deltaToken is null)
        {
            scope = ReadScope(request);
            round = directory.CurrentState(scope.GroupIds);
        }
        else if (deltaToken.Equals("latest", StringComparison.OrdinalIgnoreCase))
        {
            // Graph's shortcut for "nothing now, only changes from here on".
            scope = ReadScope(request);
            round = new GroupDeltaRound(directory.Version, []);
        }
        else
        {
            var token = states.FindToken(deltaToken, epoch) ?? throw GraphErrorException.SyncStateNotFound();
            scope = token.Scope;
            round = directory.ChangesSince(token.Version, scope.GroupIds);
        }

        var entries = SplitMembers(round.Items, scope.Selection.Members);
        var finalToken = states.SaveToken(new DeltaToken(round.Version, scope, epoch));
        var all = new DeltaPages(entries, scope.Selection, finalToken, epoch);
        return entries.Count <= pageSize
            ? Page(request.BaseUrl, all, pagesId: null, start: 0)
            : Page(request.BaseUrl, all, states.SavePages(all), start: 0);
    }

    [GeneratedRegex(@"^\s*id\s+eq\s+'(?<id>(?:[^']|'')*)'(?:\s+or\s+id\s+eq\s+'(?<id>(?:[^']|'')*)')*\s*$", RegexOptions.IgnoreCase | RegexOptions.ExplicitCapture)]
    private static partial Regex IdFilter();

    private static DeltaScope ReadScope(GraphRequest request)
    {
        IReadOnlySet<string>? ids = null;
        if (request.Option("$filter") is { } filter)
        {
            var match = IdFilter().Match(filter);
            if (!match.Success)
            {
                throw GraphErrorException.UnsupportedQuery("Delta on groups supports only a $filter of the form id eq '...' or id eq '...'.");
            }

            var values = match.Groups["id"].Captures.Select(c => c.Value.Replace("''", "'", StringComparison.Ordinal)).ToList();
            if (values.Count > MaxFilterIds)
            {
                throw GraphErrorException.UnsupportedQuery($"Delta on groups supports at most {MaxFilterIds} ids in $filter; this one has {values.Count}.");
            }

            ids = values.ToHashSet(StringComparer.Ordinal);
        }

        return new DeltaScope(ids, DeltaSelection.Parse(request.Option("$select")));
    }

    private static (string PagesId, int Start) ParseSkipToken(string skipToken)
    {
        var dot = skipToken.LastIndexOf('.');
        return dot > 0 && int.TryParse(skipToken.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            ? (skipToken[..dot], start)
            : throw GraphErrorException.BadRequest("The $skiptoken is not valid.");
    }

    // An item carries at most a page of members; a bigger group continues in further items with the same id.
    private List<GroupDeltaItem> SplitMembers(IReadOnlyList<GroupDeltaItem> items, bool withMembers)
    {
        var entries = new List<GroupDeltaItem>(items.Count);
        foreach (var item in items)
        {
            var members = item.MembersAdded.Select(m => (Member: m, Added: true)).Concat(item.MembersRemoved.Select(m => (Member: m, Added: false))).ToList();
            if (!withMembers || item.RemovedReason is not null || members.Count <= pageSize)
            {
                entries.Add(item);
                continue;
            }

            foreach (var chunk in members.Chunk(pageSize))
            {
                entries.Add(item with
                {
                    MembersAdded = [.. chunk.Where(m => m.Added).Select(m => m.Member)],
                    MembersRemoved = [.. chunk.Where(m => !m.Added).Select(m => m.Member)],
                });
            }
        }

        return entries;
    }

    private GraphResponse Page(string baseUrl, DeltaPages pages, string? pagesId, int start)
    {
        var end = Math.Min(start + pageSize, pages.Entries.Count);
        var link = end < pages.Entries.Count
            ? ("@odata.nextLink", $"{baseUrl}/groups/delta?{SkipTokenOption}={pagesId}.{end.ToString(CultureInfo.InvariantCulture)}")
            : ("@odata.deltaLink", $"{baseUrl}/groups/delta?{DeltaTokenOption}={pages.FinalToken}");

        return GraphResponse.Json(StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("@odata.context", $"{baseUrl}/$metadata#groups({pages.Selection.ContextList})");
            writer.WriteStartArray("value");
            for (var i = start; i < end; i++)
            {
                WriteItem(writer, pages.Entries[i], pages.Selection);
            }

            writer.WriteEndArray();
            writer.WriteString(link.Item1, link.Item2);
            writer.WriteEndObject();
        });
    }

    private static void WriteItem(Utf8JsonWriter writer, GroupDeltaItem item, DeltaSelection selection)
    {
        writer.WriteStartObject();
        writer.WriteString("id", item.Id);
        if (item.RemovedReason is { } reason)
        {
            WriteRemoved(writer, reason);
            writer.WriteEndObject();
            return;
        }

        if (selection.DisplayName && item.DisplayName is not null)
        {
            writer.WriteString("displayName", item.DisplayName);
        }

        if (selection.Members && (item.MembersAdded.Count > 0 || item.MembersRemoved.Count > 0))
        {
            writer.WriteStartArray("members@delta");
            foreach (var member in item.MembersAdded)
            {
                WriteMember(writer, member, removed: false);
            }

            foreach (var member in item.MembersRemoved)
            {
                WriteMember(writer, member, removed: true);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteMember(Utf8JsonWriter writer, DirectoryMemberRef member, bool removed)
    {
        writer.WriteStartObject();
        writer.WriteString("@odata.type", member.ODataType);
        writer.WriteString("id", member.Id);
        if (removed)
        {
            // Graph says "deleted" for a member taken out of a group, whatever became of the member itself.
            WriteRemoved(writer, "deleted");
        }

        writer.WriteEndObject();
    }

    private static void WriteRemoved(Utf8JsonWriter writer, string reason)
    {
        writer.WriteStartObject("@removed");
        writer.WriteString("reason", reason);
        writer.WriteEndObject();
    }
}
