using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using ModelGate.ExternalAccess;
using ModelGate.GroupFreshness;
using ModelGate.Storage;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.GroupFreshness;

/// <summary>
/// The refresh against the Graph fake and Azurite: what it writes into sign-in records, what it asks Graph, and how
/// it behaves when Graph pages, throttles or forgets a delta link. Each test owns its gateway, fake and tables.
/// </summary>
public sealed class GroupRefresherTests
{
    private static TestUser User(string name, params string[] tokenGroups) =>
        new(name + "-" + Guid.NewGuid().ToString("N")[..6], name, [], tokenGroups);

    [Fact]
    public async Task FullRefresh_SetsTheNamedGroupsFromTheDirectory_AndKeepsTokenGroupsNothingGrants()
    {
        await using var gateway = await FreshnessGateway.StartAsync();
        var ann = User("ann", "granted-a", "team-x");
        gateway.AddToDirectory(ann, "granted-b");
        gateway.AddGroup("granted-a");
        await gateway.DeploymentGrantedToAsync("granted-a", "granted-b");
        await gateway.SignInAsync(ann);

        var outcome = await gateway.Refresher.RefreshAllAsync(CancellationToken.None);

        Assert.Equal(RefreshStatus.Done, outcome.Status);
        var record = await gateway.RecordAsync(ann);
        Assert.Equal(["granted-b", "team-x"], record.Groups.Order(StringComparer.Ordinal));
        Assert.Equal(SignIns.DirectorySource, record.GroupsSource);
        Assert.Equal(1, outcome.UsersWritten);
    }

    [Fact]
    public async Task GroupsWithMoreMembersThanAPage_AreReadAcrossEveryPage()
    {
        await using var gateway = await FreshnessGateway.StartAsync(pageSize: 3);
        var users = Enumerable.Range(0, 10).Select(i => User($"pager{i}")).ToList();
        foreach (var user in users) gateway.AddToDirectory(user, "big");
        var groups = Enumerable.Range(0, 7).Select(i => $"small-{i}").ToList();
        foreach (var group in groups) gateway.AddToDirectory(users[0], group);
        await gateway.DeploymentGrantedToAsync(["big", .. groups]);
        foreach (var user in users) await gateway.SignInAsync(user);

        var outcome = await gateway.Refresher.RefreshAllAsync(CancellationToken.None);

        Assert.True(gateway.Graph.Counters.Delta > 3, $"{gateway.Graph.Counters.Delta} delta pages");
        Assert.Equal(["big", .. groups.Order(StringComparer.Ordinal)], (await gateway.RecordAsync(users[0])).Groups.Order(StringComparer.Ordinal));
        foreach (var user in users.Skip(1)) Assert.Equal(["big"], (await gateway.RecordAsync(user)).Groups);
        Assert.Equal(10, outcome.UsersWritten);
    }

    [Fact]
    public async Task NestedGroups_GiveTheOuterGroupToMembersAtAnyDepth_AndCyclesEnd()
    {
        await using var gateway = await FreshnessGateway.StartAsync();
        var deep = User("deep");
        gateway.AddToDirectory(deep, "inner");
        gateway.AddGroup("middle");
        gateway.AddGroup("outer");
        gateway.Directory.AddMember("middle", "inner");
        gateway.Directory.AddMember("outer", "middle");
        gateway.Directory.AddMember("inner", "outer"); // a cycle, which Entra allows
        await gateway.DeploymentGrantedToAsync("outer");
        await gateway.SignInAsync(deep);

        var outcome = await gateway.Refresher.RefreshAllAsync(CancellationToken.None);

        Assert.Equal(["outer"], (await gateway.RecordAsync(deep)).Groups);
        Assert.Equal(3, outcome.GroupsTracked);

        gateway.Directory.RemoveMember("outer", "middle");
        await gateway.Refresher.RefreshAllAsync(CancellationToken.None);

        Assert.Empty((await gateway.RecordAsync(deep)).Groups);
    }

    [Fact]
    public async Task WholeRequestThrottled_WaitsTheRetryAfter_AndCompletes()
    {
        await using var gateway = await FreshnessGateway.StartAsync();
        var ann = User("ann");
        gateway.AddToDirectory(ann, "granted");
        await gateway.DeploymentGrantedToAsync("granted");
        await gateway.SignInAsync(ann);
        gateway.Graph.Faults.ThrottleNext(1, TimeSpan.FromSeconds(1));

        var watch = Stopwatch.StartNew();
        var outcome = await gateway.Refresher.RefreshAllAsync(CancellationToken.None);

        Assert.Equal(RefreshStatus.Done, outcome.Status);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1), $"done after {watch.Elapsed}");
        Assert.Equal(1, gateway.Graph.Counters.Throttled);
        Assert.Equal(["granted"], (await gateway.RecordAsync(ann)).Groups);
    }

    [Fact]
    public async Task ThrottledBatchItems_AreSentAgain_SoDeletedUsersAreStillFound()
    {
        await using var gateway = await FreshnessGateway.StartAsync();
        var gone = User("gone");
        var stays = User("stays");
        gateway.AddToDirectory(gone, "granted");
        gateway.AddToDirectory(stays, "granted");
        await gateway.DeploymentGrantedToAsync("granted");
        await gateway.SignInAsync(gone);
        await gateway.SignInAsync(stays);
        await gateway.Refresher.RefreshAllAsync(CancellationToken.None);
        gateway.Directory.DeleteUser(gone.ObjectId);
        gateway.Directory.RemoveMember("granted", stays.ObjectId);
        gateway.Graph.Counters.Reset();
        gateway.Graph.Faults.ThrottleBatchItems(2, TimeSpan.FromSeconds(1));

        var outcome = await gateway.Refresher.RefreshAllAsync(CancellationToken.None);

        Assert.Equal(2, gateway.Graph.Counters.Throttled);
        Assert.Equal(4, gateway.Graph.Counters.BatchItems);
        Assert.Equal(1, outcome.UsersDeleted);
        Assert.Equal(SignIns.DeletedSource, (await gateway.RecordAsync(gone)).GroupsSource);
        var kept = await gateway.RecordAsync(stays);
        Assert.Empty(kept.Groups);
        Assert.Equal(SignIns.DirectorySource, kept.GroupsSource);
    }

    [Fact]
    public async Task ExpiredDeltaLinks_AreReplacedByAFullRound_ThatLeavesTheSameStateAsTheDirectory()
    {
        await using var gateway = await FreshnessGateway.StartAsync();
        var ann = User("ann");
        var bob = User("bob");
        gateway.AddToDirectory(ann, "granted-a");
        gateway.AddToDirectory(bob, "granted-b");
        await gateway.DeploymentGrantedToAsync("granted-a", "granted-b");
        await gateway.SignInAsync(ann);
        await gateway.SignInAsync(bob);
        await gateway.Refresher.RefreshAllAsync(CancellationToken.None);

        gateway.Directory.RemoveMember("granted-a", ann.ObjectId);
        gateway.Directory.AddMember("granted-a", bob.ObjectId);
        gateway.Graph.Faults.ExpireDeltaTokens();
        var outcome = await gateway.Refresher.RefreshAllAsync(CancellationToken.None);

        Assert.Equal(1, outcome.FullRounds);
        Assert.Empty((await gateway.RecordAsync(ann)).Groups);
        Assert.Equal(["granted-a", "granted-b"], (await gateway.RecordAsync(bob)).Groups.Order(StringComparer.Ordinal));

        // The state the full round left is what later deltas continue from.
        gateway.Directory.AddMember("granted-b", ann.ObjectId);
        var next = await gateway.Refresher.RefreshAllAsync(CancellationToken.None);
        Assert.Equal(0, next.FullRounds);
        Assert.Equal(["granted-b"], (await gateway.RecordAsync(ann)).Groups);
    }

    [Fact]
    public async Task OnlyUsersWhoseGroupsChanged_AreWritten()
    {
        var traffic = new TableTraffic();
        await using var gateway = await FreshnessGateway.StartAsync(traffic: traffic);
        var users = Enumerable.Range(0, 20).Select(i => User($"steady{i}")).ToList();
        foreach (var user in users) gateway.AddToDirectory(user, "granted");
        await gateway.DeploymentGrantedToAsync("granted");
        foreach (var user in users) await gateway.SignInAsync(user);
        await gateway.Refresher.RefreshAllAsync(CancellationToken.None);
        var etags = new Dictionary<string, Azure.ETag>();
        foreach (var user in users) etags[user.ObjectId] = (await Groups(gateway, user)).ETag;

        gateway.Directory.RemoveMember("granted", users[7].ObjectId);
        var userWrites = 0;
        traffic.Observe = request => Interlocked.Add(ref userWrites, TableTraffic.EntityWrites(request, Tables.UsersName));
        var outcome = await gateway.Refresher.RefreshAllAsync(CancellationToken.None);
        traffic.Observe = null;

        Assert.Equal(1, userWrites);
        Assert.Equal(1, outcome.UsersWritten);
        Assert.Equal(20, outcome.UsersChecked);
        foreach (var user in users.Where(u => u != users[7])) Assert.Equal(etags[user.ObjectId], (await Groups(gateway, user)).ETag);
        Assert.Empty((await gateway.RecordAsync(users[7])).Groups);

        traffic.Observe = request => Interlocked.Add(ref userWrites, TableTraffic.EntityWrites(request, Tables.UsersName));
        var unchanged = await gateway.Refresher.RefreshAllAsync(CancellationToken.None);
        traffic.Observe = null;
        Assert.Equal(1, userWrites);
        Assert.Equal(0, unchanged.UsersWritten);
        Assert.Equal(0, unchanged.EdgesWritten);
    }

    [Fact]
    public async Task SignInThatLandsDuringTheWrite_IsMergedNotOverwritten()
    {
        var traffic = new TableTraffic();
        await using var gateway = await FreshnessGateway.StartAsync(traffic: traffic);
        var ann = User("ann", "granted");
        gateway.AddToDirectory(ann, "granted");
        await gateway.DeploymentGrantedToAsync("granted");
        await gateway.SignInAsync(ann);
        await gateway.Refresher.RefreshAllAsync(CancellationToken.None);
        gateway.Directory.RemoveMember("granted", ann.ObjectId);

        // Just before the refresh writes Ann's record, she signs in again with a token that has a new group.
        var signIns = gateway.App.Services.GetRequiredService<SignIns>();
        var raced = 0;
        traffic.Observe = request =>
        {
            if (TableTraffic.EntityWrites(request, Tables.UsersName) > 0 && request.Uri.Path.EndsWith("/$batch", StringComparison.Ordinal)
                && Interlocked.Exchange(ref raced, 1) == 0)
            {
                signIns.SaveAsync(new SignIn(ann.TenantId, ann.ObjectId, ann.Name, ["granted", "new-team"], [], DateTimeOffset.UtcNow, "token"),
                    CancellationToken.None).GetAwaiter().GetResult();
            }
        };
        var outcome = await gateway.Refresher.RefreshAllAsync(CancellationToken.None);
        traffic.Observe = null;

        Assert.Equal(1, raced);
        Assert.Equal(1, outcome.UsersWritten);
        Assert.Equal(["new-team"], (await gateway.RecordAsync(ann)).Groups);
    }

    [Fact]
    public async Task TwoOverlappingRuns_OneRefreshes_TheOtherReturnsBusy()
    {
        await using var gateway = await FreshnessGateway.StartAsync();
        var ann = User("ann");
        gateway.AddToDirectory(ann, "granted");
        await gateway.DeploymentGrantedToAsync("granted");
        await gateway.SignInAsync(ann);
        gateway.Graph.Faults.Latency = TimeSpan.FromMilliseconds(300);

        var outcomes = await Task.WhenAll(
            gateway.Refresher.RefreshAllAsync(CancellationToken.None),
            gateway.Refresher.RefreshAllAsync(CancellationToken.None));

        Assert.Equal([RefreshStatus.Done, RefreshStatus.Busy], outcomes.Select(o => o.Status).Order());
        Assert.Equal(["granted"], (await gateway.RecordAsync(ann)).Groups);
    }

    [Fact]
    public async Task TimerInvocation_WhileAnotherRunHoldsTheLease_Answers200AndChangesNothing()
    {
        await using var gateway = await FreshnessGateway.StartAsync();
        var ann = User("ann");
        gateway.AddToDirectory(ann, "granted");
        await gateway.DeploymentGrantedToAsync("granted");
        await gateway.SignInAsync(ann);
        var table = gateway.App.Services.GetRequiredService<Tables>().DirectorySync;

        await using (var held = await TableLease.TryAcquireAsync(table, "refresh", TimeSpan.FromMinutes(5), TimeProvider.System, CancellationToken.None))
        {
            Assert.NotNull(held);
            await gateway.RunTimerAsync(RefreshExternalGroupsJob.JobName);
            Assert.Equal(0, gateway.Graph.Counters.Delta);
            Assert.Empty((await gateway.RecordAsync(ann)).Groups);
        }

        await gateway.RunTimerAsync(RefreshExternalGroupsJob.JobName);
        Assert.Equal(["granted"], (await gateway.RecordAsync(ann)).Groups);
    }

    [Fact]
    public async Task TimerFunction_RefusesARequestForwardedFromOutside()
    {
        await using var gateway = await FreshnessGateway.StartAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/" + RefreshExternalGroupsJob.JobName) { Content = Http.Json("{}") };
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");

        var response = await gateway.App.CreateClient().SendAsync(request);

        await response.AssertProblemAsync(HttpStatusCode.Forbidden, "timer_forwarded_request");
        Assert.Equal(0, gateway.Graph.Counters.Total);
    }

    [Fact]
    public async Task TargetedRefresh_AsksGraphOnlyForTheChunkOfTheNotifiedGroup()
    {
        await using var gateway = await FreshnessGateway.StartAsync();
        var ann = User("ann");
        var groups = Enumerable.Range(0, 120).Select(i => $"g{i:D3}").ToList();
        foreach (var group in groups) gateway.AddGroup(group);
        gateway.AddToDirectory(ann, "g007");
        await gateway.DeploymentGrantedToAsync([.. groups.Take(60)]);
        await gateway.DeploymentGrantedToAsync([.. groups.Skip(60)]);
        await gateway.SignInAsync(ann);
        var full = await gateway.Refresher.RefreshAllAsync(CancellationToken.None);
        Assert.Equal(3, full.ChunksSynced);

        gateway.Directory.AddMember("g100", ann.ObjectId);
        gateway.Graph.Counters.Reset();
        var targeted = await gateway.Refresher.RefreshGroupsAsync(["g100"], CancellationToken.None);

        Assert.Equal(1, targeted.ChunksSynced);
        Assert.Equal(1, gateway.Graph.Counters.Delta);
        Assert.Equal(1, targeted.UsersChecked);
        Assert.Equal(["g007", "g100"], (await gateway.RecordAsync(ann)).Groups.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task GrantRemoved_StopsTrackingTheGroup_AndANewGrantIsTakenInByTheNextRun()
    {
        await using var gateway = await FreshnessGateway.StartAsync();
        var ann = User("ann", "later");
        gateway.AddToDirectory(ann, "first");
        gateway.AddGroup("later");
        var deployment = await gateway.DeploymentGrantedToAsync("first");
        await gateway.SignInAsync(ann);
        await gateway.Refresher.RefreshAllAsync(CancellationToken.None);
        Assert.Equal(["first", "later"], (await gateway.RecordAsync(ann)).Groups.Order(StringComparer.Ordinal));

        await (await gateway.Admin.PutAsync($"/api/deployments/{deployment}/external-access", Http.Json("""{"groups":["later"]}""")))
            .AssertStatusAsync(HttpStatusCode.OK);
        var outcome = await gateway.Refresher.RefreshAllAsync(CancellationToken.None);

        Assert.Equal(1, outcome.GroupsTracked);
        // "later" is granted now and Ann is not in it; "first" is no longer the directory's to decide.
        Assert.Equal(["first"], (await gateway.RecordAsync(ann)).Groups);
    }

    [Fact]
    public async Task BackendRolesOfModelGroups_AreRefreshedLikeGrants()
    {
        await using var gateway = await FreshnessGateway.StartAsync();
        var owner = new TestUser("owner-" + Guid.NewGuid().ToString("N")[..6], "Olivia Owner", [ModelGate.Identity.Roles.FullAccess], ["ml-team"]);
        gateway.AddToDirectory(owner, "ml-team");
        await gateway.App.ClientFor(owner).CreateModelAsync("restricted", ["ml-team"]);
        var member = new TestUser("member-" + Guid.NewGuid().ToString("N")[..6], "Mia Member", [ModelGate.Identity.Roles.ReadOnly], ["ml-team"]);
        gateway.AddToDirectory(member, "ml-team");
        await gateway.SignInAsync(member);

        gateway.Directory.RemoveMember("ml-team", member.ObjectId);
        await gateway.Refresher.RefreshAllAsync(CancellationToken.None);

        var record = await gateway.RecordAsync(member);
        Assert.Empty(record.Groups);
        Assert.Equal([ModelGate.Identity.Roles.ReadOnly], record.Roles);
    }

    [Fact]
    public async Task GraphTurnedOff_RefreshDoesNothing()
    {
        await using var gateway = await FreshnessGateway.StartAsync(overrides: new() { ["Graph:Enabled"] = "false" });

        var outcome = await gateway.Refresher.RefreshAllAsync(CancellationToken.None);
        await gateway.RunTimerAsync(RefreshExternalGroupsJob.JobName);
        await gateway.RunTimerAsync(RenewGraphSubscriptionJob.JobName);

        Assert.Equal(RefreshStatus.Disabled, outcome.Status);
        Assert.Equal(0, gateway.Graph.Counters.Total);
    }

    [Fact]
    public async Task AnotherInstance_ContinuesFromTheStoredState()
    {
        await using var gateway = await FreshnessGateway.StartAsync();
        var ann = User("ann");
        gateway.AddToDirectory(ann, "granted");
        gateway.AddGroup("other");
        await gateway.DeploymentGrantedToAsync("granted", "other");
        await gateway.SignInAsync(ann);
        await gateway.Refresher.RefreshAllAsync(CancellationToken.None);

        // A second instance over the same tables has no copy of the member edges: it reads them, then applies the delta.
        await using var second = new ModelGateFactory(await SharedAzurite.GetAsync(), await SharedKeyVault.GetAsync(),
            new Dictionary<string, string?> { ["Gateway:PublicBaseUrl"] = "https://gateway.test" }, gateway.Graph) { TablePrefix = gateway.App.TablePrefix };
        gateway.Directory.AddMember("other", ann.ObjectId);
        gateway.Graph.Counters.Reset();
        var outcome = await second.Services.GetRequiredService<GroupRefresher>().RefreshAllAsync(CancellationToken.None);

        Assert.Equal(0, outcome.FullRounds);
        Assert.Equal(1, gateway.Graph.Counters.Delta);
        Assert.Equal(["granted", "other"], (await gateway.RecordAsync(ann)).Groups.Order(StringComparer.Ordinal));
    }

    private static async Task<SignInGroups> Groups(FreshnessGateway gateway, TestUser user) =>
        (await gateway.App.Services.GetRequiredService<SignIns>().GetGroupsAsync(user.TenantId, user.ObjectId, CancellationToken.None))!;
}
