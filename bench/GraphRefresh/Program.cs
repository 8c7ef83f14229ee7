using ModelGate.DevHost;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using ModelGate.Bench.GraphRefresh;
using ModelGate.DevHost.Azurite;
using ModelGate.DevHost.Graph;
using ModelGate.DevHost.KeyVault;
using ModelGate.Directory;
using ModelGate.GroupFreshness;
using ModelGate.Hosting;
using ModelGate.Identity;
using ModelGate.Storage;

// The group refresh at the scale of a mid-sized tenant, against the Graph fake slowed to 10 ms a request:
// a first full sync, an incremental sync after 10 groups change (from stored delta links, as the timer runs it),
// a targeted sync after 10 more change (as notifications trigger it), each beside a baseline measured in the
// same run: asking Graph per user (transitiveMemberOf, what a sign-in with a groups overage does), and a full
// resync without delta links.
const int Users = 10_000;
const int Groups = 1_000;
const int NestedGroups = 100;
const int GroupsPerUser = 2;
const int StaleRecords = 100;
const int ChangedGroups = 10;
const int BaselineParallelism = 16;

var total = Stopwatch.StartNew();
Console.WriteLine($"Starting Azurite, the Key Vault and Graph fakes and ModelGate...");
await using var azurite = await AzuriteProcess.StartAsync(new AzuriteOptions());
await using var keyVault = await KeyVaultFake.StartAsync(new KeyVaultFakeOptions());
await using var graph = await GraphFake.StartAsync(new GraphFakeOptions());

var writes = new TableWrites();
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    ApplicationName = typeof(ModelGateApp).Assembly.GetName().Name,
    EnvironmentName = "Development",
});
builder.Configuration.AddInMemoryCollection(LocalSettings.For(azurite, keyVault, graph, "http://127.0.0.1"));
builder.WebHost.UseUrls("http://127.0.0.1:0");
builder.AddModelGate();
// The same client the app would build, with the write counter in front of its pipeline.
var tableOptions = DependencyRetries.Apply(new TableClientOptions());
tableOptions.AddPolicy(writes, Azure.Core.HttpPipelinePosition.PerCall);
builder.Services.AddSingleton(new TableServiceClient(azurite.TableServiceUri,
    new TableSharedKeyCredential(AzuriteProcess.AccountName, AzuriteProcess.AccountKey), tableOptions));
await using var app = builder.Build();
app.MapModelGate();
await app.StartAsync();
var baseUrl = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();

// The directory: users in random groups; the last 100 groups nest in random others, so they are tracked only
// through nesting. Grants name the other 900.
Console.WriteLine($"Seeding {Users:N0} users in {Groups:N0} groups ({NestedGroups} nested) and {Users:N0} sign-in records...");
var random = new Random(20261122);
var directory = graph.Directory;
var groupIds = Enumerable.Range(0, Groups).Select(i => $"g{i:D4}").ToList();
var userIds = Enumerable.Range(0, Users).Select(i => $"u{i:D5}").ToList();
var named = groupIds.Take(Groups - NestedGroups).ToList();
foreach (var id in groupIds) directory.AddGroup(id, "Group " + id);
foreach (var id in userIds)
{
    directory.AddUser(id, "User " + id);
    foreach (var group in groupIds.OrderBy(_ => random.Next()).Take(GroupsPerUser)) directory.AddMember(group, id);
}
foreach (var nested in groupIds.Skip(Groups - NestedGroups)) directory.AddMember(named[random.Next(named.Count)], nested);

using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
var issuer = app.Services.GetRequiredService<DevelopmentIssuer>();
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
    issuer.CreateToken(DevelopmentIssuer.DefaultTenantId, "bench-admin", "Bench Admin", [], [Roles.Admin], TimeSpan.FromHours(1)));
var groupId = (string)(await SendAsync(HttpMethod.Post, "/api/model-groups", new { name = "bench", access_mode = "public" }))!["model_group_id"]!;
foreach (var (half, index) in named.Chunk(named.Count / 2).Select((h, i) => (h, i)))
{
    var modelId = (string)(await SendAsync(HttpMethod.Post, $"/api/model-groups/{groupId}/models", new { name = $"bench-model-{index}" }))!["model_id"]!;
    var deployment = $"bench-{index}";
    await SendAsync(HttpMethod.Post, "/api/deployments", new { name = deployment, model_id = modelId, kind = "chat", upstream_url = "http://127.0.0.1:9/" });
    await SendAsync(HttpMethod.Patch, $"/api/deployments/{deployment}/external-access", new { add = half });
}

// Sign-in records as tokens left them: every group the user is in, except for 1% who carry a group they left.
var namedSet = named.ToHashSet(StringComparer.Ordinal);
var tables = app.Services.GetRequiredService<Tables>();
var stale = userIds.OrderBy(_ => random.Next()).Take(StaleRecords).ToHashSet(StringComparer.Ordinal);
foreach (var batch in userIds.Chunk(100))
{
    await tables.Users.SubmitTransactionAsync(batch.Select(user =>
    {
        var groups = directory.TransitiveGroupsOf(user).ToList();
        if (stale.Contains(user)) groups.Add(named.First(g => !groups.Contains(g)));
        return new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(DevelopmentIssuer.DefaultTenantId, user)
        {
            ["Name"] = "User " + user,
            ["Groups"] = JsonSerializer.Serialize(groups),
            ["Roles"] = "[]",
            ["LastLoginAt"] = DateTimeOffset.UtcNow,
            ["GroupsSource"] = "token",
        });
    }));
}

var refresher = app.Services.GetRequiredService<GroupRefresher>();
var entra = app.Services.GetRequiredService<EntraDirectory>();
graph.Faults.Latency = TimeSpan.FromMilliseconds(10);
var rows = new List<Row>();

var full = await MeasureAsync("Full sync (first run)", async () => await refresher.RefreshAllAsync(CancellationToken.None), expectedUsers: StaleRecords);
var perUser = await MeasureAsync($"  baseline: transitiveMemberOf per user ({BaselineParallelism} at a time)", async () =>
{
    await Parallel.ForEachAsync(userIds, new ParallelOptions { MaxDegreeOfParallelism = BaselineParallelism },
        async (user, token) => await entra.GetTransitiveGroupIdsAsync(user, token));
    return (RefreshOutcome?)null;
}, expectedUsers: null);
Ratio(perUser, full);

await MeasureAsync("No change (timer, delta links)", async () => await refresher.RefreshAllAsync(CancellationToken.None), expectedUsers: 0);

var expected = ChangeGroups(0);
var incremental = await MeasureAsync($"Incremental sync, {ChangedGroups} groups changed (timer, delta links)",
    async () => await refresher.RefreshAllAsync(CancellationToken.None), expected.Users);

var expectedResync = ChangeGroups(1);
await ClearDeltaLinksAsync();
var resync = await MeasureAsync($"  baseline: full resync, {ChangedGroups} groups changed (no delta links)",
    async () => await refresher.RefreshAllAsync(CancellationToken.None), expectedResync.Users);
Ratio(resync, incremental);
Ratio(perUser, incremental, "per user");
rows.Add(new Row($"  Graph requests beyond the delta pages: {incremental.GraphRequests - incremental.DeltaPages} (target at most 10)", 0, 0, TimeSpan.Zero, null, null, null, null) { Note = "" });

var expectedTargeted = ChangeGroups(2);
var targeted = await MeasureAsync($"Targeted sync, {ChangedGroups} groups changed (notification for them)",
    async () => await refresher.RefreshGroupsAsync(expectedTargeted.Groups, CancellationToken.None), expectedTargeted.Users);
Ratio(resync, targeted);

Print();
await app.StopAsync();
return 0;

async Task<JsonNode?> SendAsync(HttpMethod method, string path, object body)
{
    using var response = await http.SendAsync(new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) });
    var text = await response.Content.ReadAsStringAsync();
    if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {text}");
    return text.Length == 0 ? null : JsonNode.Parse(text);
}

// Changes 10 named groups: 4 lose a member, 4 gain one, 1 loses a nested group, 1 gains one; returns the groups
// and how many users' named groups that changes (what the refresh should write).
(List<string> Groups, int Users) ChangeGroups(int round)
{
    var before = userIds.ToDictionary(u => u, NamedGroupsOf, StringComparer.Ordinal);
    var picked = named.Skip(100 + round * 20).Where(g => directory.MembersOf(g).Any(m => m.StartsWith('u'))).Take(ChangedGroups).ToList();
    for (var i = 0; i < 4; i++) directory.RemoveMember(picked[i], directory.MembersOf(picked[i]).First(m => m.StartsWith('u')));
    for (var i = 4; i < 8; i++) directory.AddMember(picked[i], userIds.First(u => !directory.MembersOf(picked[i]).Contains(u)));
    var nested = groupIds.Skip(Groups - NestedGroups).First(g => !directory.MembersOf(picked[8]).Contains(g) && directory.MembersOf(g).Count > 0);
    directory.AddMember(picked[8], nested);
    var parentOfNested = named.First(g => !picked.Contains(g) && directory.MembersOf(g).Any(m => m.StartsWith("g", StringComparison.Ordinal)));
    directory.RemoveMember(parentOfNested, directory.MembersOf(parentOfNested).First(m => m.StartsWith("g", StringComparison.Ordinal)));
    picked[9] = parentOfNested;
    var changedUsers = userIds.Count(u => !before[u].SetEquals(NamedGroupsOf(u)));
    return (picked, changedUsers);
}

HashSet<string> NamedGroupsOf(string user) => directory.TransitiveGroupsOf(user).Where(namedSet.Contains).ToHashSet(StringComparer.Ordinal);

async Task ClearDeltaLinksAsync()
{
    var chunks = new List<TableTransactionAction>();
    await foreach (var chunk in tables.DirectorySync.QueryAsync(TableFilter.Create($"PartitionKey eq {"chunks"} and RowKey lt {"~"}")))
        chunks.Add(new(TableTransactionActionType.UpsertMerge, new TableEntity("chunks", chunk.RowKey) { ["DeltaLink"] = "" }));
    foreach (var batch in chunks.Chunk(100)) await tables.DirectorySync.SubmitTransactionAsync(batch);
}

async Task<Row> MeasureAsync(string name, Func<Task<RefreshOutcome?>> run, int? expectedUsers)
{
    graph.Counters.Reset();
    writes.Reset();
    var watch = Stopwatch.StartNew();
    var outcome = await run();
    watch.Stop();
    if (outcome is { Status: not RefreshStatus.Done }) throw new InvalidOperationException($"{name}: the refresh did not run ({outcome.Status}).");
    var row = new Row(name, graph.Counters.Total, graph.Counters.Delta, watch.Elapsed, outcome is null ? null : writes.EntitiesIn(Tables.UsersName),
        expectedUsers, outcome is null ? null : writes.EntitiesIn(Tables.DirectorySyncName), outcome);
    rows.Add(row);
    Console.WriteLine($"  measured: {name.Trim()}: {row.GraphRequests:N0} Graph requests in {row.Wall.TotalSeconds:F2} s");
    return row;
}

void Ratio(Row baseline, Row measured, string? label = null) =>
    rows.Add(new Row($"  ratio{(label is null ? "" : $" ({label})")}: baseline / ModelGate", 0, 0, TimeSpan.Zero, null, null, null, null)
    {
        Note = string.Create(CultureInfo.InvariantCulture,
            $"Graph requests {baseline.GraphRequests / (double)Math.Max(1, measured.GraphRequests):F1}x, wall time {baseline.Wall.TotalSeconds / Math.Max(0.001, measured.Wall.TotalSeconds):F1}x") +
            (baseline.Outcome is { } b && measured.Outcome is { } m
                ? string.Create(CultureInfo.InvariantCulture, $", members received {b.MembersReceived / (double)Math.Max(1, m.MembersReceived):F0}x")
                : ""),
    });

void Print()
{
    Console.WriteLine();
    Console.WriteLine($"ModelGate group refresh: {Users:N0} users in {Groups:N0} groups ({Groups - NestedGroups} granted, {NestedGroups} nested in them), " +
        $"Graph fake at {graph.Faults.Latency.TotalMilliseconds:F0} ms per request, Azurite, {Environment.ProcessorCount} cores");
    Console.WriteLine();
    Console.WriteLine($"{"",-72} {"Graph req",9} {"delta pg",8} {"wall s",7} {"Users rows",10} {"(expected)",10} {"sync rows",9}");
    foreach (var row in rows)
    {
        if (row.Note is not null)
        {
            Console.WriteLine(row.Note.Length == 0 ? row.Name : $"{row.Name,-72} {row.Note}");
            continue;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{row.Name,-72} {row.GraphRequests,9:N0} {row.DeltaPages,8:N0} {row.Wall.TotalSeconds,7:F2} {Text(row.UserRows),10} {Text(row.ExpectedUsers),10} {Text(row.SyncRows),9}"));
        if (row.Outcome is { } o)
            Console.WriteLine($"{"",-4}chunks synced {o.ChunksSynced} ({o.FullRounds} full), groups tracked {o.GroupsTracked:N0}, changed {o.GroupsChanged}, " +
                $"members received {o.MembersReceived:N0}, member rows written {o.EdgesWritten:N0}, sign-in records checked {o.UsersChecked:N0}, written {o.UsersWritten}");
    }
    Console.WriteLine();
    Console.WriteLine("Graph req: every HTTP request to Graph (delta pages, $batch, per-user reads); delta pg: /groups/delta pages.");
    Console.WriteLine("Users rows: sign-in records written; (expected): users whose granted groups the change really moved;");
    Console.WriteLine("sync rows: DirectorySync entities written (member edges, chunks with delta links, lease, state).");
    Console.WriteLine($"Total run {total.Elapsed.TotalSeconds:F0} s.");
}

static string Text(long? value) => value is { } v ? v.ToString("N0", CultureInfo.InvariantCulture) : "-";

internal sealed record Row(string Name, long GraphRequests, long DeltaPages, TimeSpan Wall, long? UserRows, long? ExpectedUsers, long? SyncRows, RefreshOutcome? Outcome)
{
    public string? Note { get; init; }
}
