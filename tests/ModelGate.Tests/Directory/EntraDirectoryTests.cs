using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Kiota.Abstractions;
using ModelGate.DevHost.Graph;
using ModelGate.Directory;
using ModelGate.Hosting;
using ModelGate.Problems;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.Directory;

/// <summary>
/// The app's Graph adapter as the app builds it (AddAzureCredential + AddGraph: the development credential, the
/// SDK's handlers, the fake's host allowed a token), against the Graph fake.
/// </summary>
public sealed class EntraDirectoryTests
{
    [Fact]
    public async Task GetTransitiveGroupIds_WithNestedGroups_ReturnsDirectAndInheritedGroupsWithTheAppsToken()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        SeedNested(fake);
        await using var services = Build(fake);

        var groups = await Directory(services).GetTransitiveGroupIdsAsync("u1");

        Assert.Equal(["g1", "g2"], groups);
        Assert.Equal(0, fake.Counters.Unauthorized);
    }

    [Fact]
    public async Task GetTransitiveGroupIds_WithMoreGroupsThanAPage_FollowsEveryNextLink()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions { PageSize = 5 });
        fake.Directory.AddUser("u1", "User One");
        for (var i = 0; i < 12; i++)
        {
            fake.Directory.AddGroup($"g{i:D2}", $"Group {i}");
            fake.Directory.AddMember($"g{i:D2}", "u1");
        }

        await using var services = Build(fake);

        var groups = await Directory(services).GetTransitiveGroupIdsAsync("u1");

        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"g{i:D2}"), groups);
        Assert.Equal(3, fake.Counters.TransitiveMemberOf);
    }

    [Fact]
    public async Task GetTransitiveGroupIds_ForAUserGraphDoesNotKnow_ReturnsNoGroups()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        await using var services = Build(fake);

        Assert.Empty(await Directory(services).GetTransitiveGroupIdsAsync("deleted-user"));
    }

    [Fact]
    public async Task GetTransitiveGroupIds_ThrottledOnce_WaitsTheRetryAfterAndSucceeds()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        SeedNested(fake);
        await using var services = Build(fake);
        fake.Faults.ThrottleNext(1, TimeSpan.FromSeconds(1));

        var watch = Stopwatch.StartNew();
        var groups = await Directory(services).GetTransitiveGroupIdsAsync("u1");

        Assert.Equal(["g1", "g2"], groups);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1), $"retried after {watch.Elapsed}");
        Assert.Equal(2, fake.Counters.TransitiveMemberOf);
    }

    [Fact]
    public async Task CheckMemberGroups_For45Users_SendsThreeBatchesAndAnswersEveryUser()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        var users = SeedUsers(fake, 45);
        await using var services = Build(fake);

        var answers = await Directory(services).CheckMemberGroupsAsync(users, ["even", "odd", "all"]);

        AssertMemberships(users, answers);
        Assert.Equal(3, fake.Counters.Batch);
        Assert.Equal(45, fake.Counters.BatchItems);
    }

    [Fact]
    public async Task CheckMemberGroups_WithThrottledBatchItems_SendsThemAgainAfterTheirRetryAfter()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        var users = SeedUsers(fake, 45);
        await using var services = Build(fake);
        fake.Faults.ThrottleBatchItems(5, TimeSpan.FromSeconds(1));

        var watch = Stopwatch.StartNew();
        var answers = await Directory(services).CheckMemberGroupsAsync(users, ["even", "odd", "all"]);

        AssertMemberships(users, answers);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1), $"retried after {watch.Elapsed}");
        Assert.Equal(4, fake.Counters.Batch);
        Assert.Equal(50, fake.Counters.BatchItems);
        Assert.Equal(5, fake.Counters.Throttled);
    }

    [Fact]
    public async Task CheckMemberGroups_ForAUserGraphDoesNotKnow_AnswersNoGroupsForThatUser()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        SeedNested(fake);
        await using var services = Build(fake);

        var answers = await Directory(services).CheckMemberGroupsAsync(["u1", "gone"], ["g2"]);

        Assert.Equal(["g2"], answers["u1"]);
        Assert.Empty(answers["gone"]);
    }

    [Fact]
    public async Task CheckMemberGroups_WhenItemsStayThrottled_FailsAsADependencyFailure()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        var users = SeedUsers(fake, 3);
        await using var services = Build(fake, new() { ["Graph:BatchItemAttempts"] = "2" });
        fake.Faults.ThrottleBatchItems(100, TimeSpan.Zero);

        var error = await Assert.ThrowsAsync<ApiException>(() => Directory(services).CheckMemberGroupsAsync(users, ["all"]));

        Assert.Equal(429, error.ResponseStatusCode);
        Assert.True(ProblemResponses.IsDependencyFailure(error));
        Assert.Equal(2, fake.Counters.Batch);
    }

    [Fact]
    public async Task FindDeletedUsers_NamesOnlyTheUsersGraphNoLongerKnows_RetryingThrottledItems()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        var users = SeedUsers(fake, 25);
        fake.Directory.DeleteUser("u03");
        fake.Directory.DeleteUser("u21");
        await using var services = Build(fake);
        fake.Faults.ThrottleBatchItems(3, TimeSpan.FromSeconds(1));

        var deleted = await Directory(services).FindDeletedUsersAsync(users);

        Assert.Equal(["u03", "u21"], deleted.Order(StringComparer.Ordinal));
        Assert.Equal(28, fake.Counters.BatchItems);
        Assert.Equal(28, fake.Counters.Users);
        Assert.Equal(3, fake.Counters.Throttled);
    }

    [Fact]
    public async Task FindDeletedUsers_WithNoUsers_AsksNothing()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        await using var services = Build(fake);

        Assert.Empty(await Directory(services).FindDeletedUsersAsync([]));
        Assert.Equal(0, fake.Counters.Total);
    }

    [Fact]
    public async Task GroupSubscription_IsCreatedReadRenewedAndDeleted()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        await using var receiver = await NotificationReceiver.StartAsync();
        await using var services = Build(fake);
        var directory = Directory(services);
        var expires = DateTimeOffset.UtcNow.AddDays(2);

        var created = await directory.CreateGroupSubscriptionAsync(receiver.NotificationUrl, receiver.LifecycleUrl, "secret-state", expires);
        var read = await directory.GetSubscriptionAsync(created.Id);
        var renewed = await directory.RenewSubscriptionAsync(created.Id, expires.AddDays(1));
        await directory.DeleteSubscriptionAsync(created.Id);

        Assert.Equal(2, receiver.ValidationTokens.Count);
        Assert.Equal(created.Id, read!.Id);
        Assert.True(renewed!.ExpiresAt > created.ExpiresAt);
        Assert.Empty(fake.Subscriptions);
        Assert.Null(await directory.GetSubscriptionAsync(created.Id));
        Assert.Null(await directory.RenewSubscriptionAsync(created.Id, expires));
        await directory.DeleteSubscriptionAsync(created.Id);
    }

    [Fact]
    public async Task GetGroupDelta_FirstRound_ReturnsEveryMemberOfEveryGroupAcrossPages()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions { PageSize = 2 });
        SeedNested(fake);
        await using var services = Build(fake);

        var delta = await Directory(services).GetGroupDeltaAsync(["g1", "g2", "g3"]);

        Assert.Equal(["g1", "g2", "g3"], delta.Groups.Select(g => g.Id));
        Assert.Equal([new DirectoryMember("u1", MemberKind.User)], delta.Groups[0].MembersAdded);
        Assert.Equal([new DirectoryMember("g1", MemberKind.Group)], delta.Groups[1].MembersAdded);
        Assert.Equal("Group Two", delta.Groups[1].DisplayName);
        Assert.Empty(delta.Groups[2].MembersAdded);
        Assert.All(delta.Groups, g => Assert.False(g.Removed));
        Assert.StartsWith(fake.BaseUrl + "/groups/delta?$deltatoken=", delta.DeltaLink);
        Assert.Equal(2, fake.Counters.Delta);
    }

    [Fact]
    public async Task GetGroupDelta_WithTheDeltaLink_ReturnsExactlyTheChangesSince()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        SeedNested(fake);
        fake.Directory.AddUser("u2", "User Two");
        fake.Directory.AddGroup("g4", "Group Four");
        await using var services = Build(fake);
        var directory = Directory(services);
        var first = await directory.GetGroupDeltaAsync(["g1", "g2", "g3", "g4"]);

        fake.Directory.RemoveMember("g1", "u1");
        fake.Directory.AddMember("g3", "u2");
        fake.Directory.AddMember("g3", "g1");
        fake.Directory.RenameGroup("g2", "Group Two renamed");
        fake.Directory.DeleteGroup("g4", permanently: true);
        var changes = await directory.GetGroupDeltaAsync(["g1", "g2", "g3", "g4"], first.DeltaLink);

        Assert.Equal(["g1", "g2", "g3", "g4"], changes.Groups.Select(g => g.Id));
        Assert.Equal([new DirectoryMember("u1", MemberKind.User)], changes.Groups[0].MembersRemoved);
        Assert.Empty(changes.Groups[0].MembersAdded);
        Assert.Equal("Group Two renamed", changes.Groups[1].DisplayName);
        Assert.Empty(changes.Groups[1].MembersAdded.Concat(changes.Groups[1].MembersRemoved));
        Assert.Equal([new DirectoryMember("g1", MemberKind.Group), new DirectoryMember("u2", MemberKind.User)], changes.Groups[2].MembersAdded);
        Assert.True(changes.Groups[3].Removed);
        Assert.False(changes.Groups[0].Removed);
        Assert.NotEqual(first.DeltaLink, changes.DeltaLink);
    }

    [Fact]
    public async Task GetGroupDelta_GroupSentInSeveralItems_IsMergedIntoOneChange()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions { PageSize = 3 });
        fake.Directory.AddGroup("big", "Big group");
        fake.Directory.AddGroup("small", "Small group");
        for (var i = 0; i < 8; i++)
        {
            fake.Directory.AddUser($"u{i}", $"User {i}");
            fake.Directory.AddMember("big", $"u{i}");
        }

        await using var services = Build(fake);

        var delta = await Directory(services).GetGroupDeltaAsync(["big", "small"]);

        Assert.Equal(["big", "small"], delta.Groups.Select(g => g.Id));
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"u{i}"), delta.Groups[0].MembersAdded.Select(m => m.Id));
        Assert.Equal(2, fake.Counters.Delta);
    }

    [Fact]
    public async Task GetGroupDelta_WithAnExpiredLink_ThrowsGroupDeltaExpired()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        SeedNested(fake);
        await using var services = Build(fake);
        var directory = Directory(services);
        var first = await directory.GetGroupDeltaAsync(["g1"]);

        fake.Faults.ExpireDeltaTokens();

        await Assert.ThrowsAsync<GroupDeltaExpiredException>(() => directory.GetGroupDeltaAsync(["g1"], first.DeltaLink));
        var resync = await directory.GetGroupDeltaAsync(["g1"]);
        Assert.Equal([new DirectoryMember("u1", MemberKind.User)], resync.Groups.Single().MembersAdded);
    }

    [Fact]
    public async Task GetGroupDelta_WithMoreThan50Groups_IsRefusedBeforeCallingGraph()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        await using var services = Build(fake);

        await Assert.ThrowsAsync<ArgumentException>(() => Directory(services).GetGroupDeltaAsync([.. Enumerable.Range(0, 51).Select(i => $"g{i}")]));

        Assert.Equal(0, fake.Counters.Total);
    }

    [Fact]
    public async Task GetGroupDelta_WithALinkToAnotherHost_IsRefused()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        await using var services = Build(fake);

        await Assert.ThrowsAsync<ArgumentException>(() =>
            Directory(services).GetGroupDeltaAsync(["g1"], "https://elsewhere.example/v1.0/groups/delta?$deltatoken=x"));

        Assert.Equal(0, fake.Counters.Total);
    }

    [Fact]
    public async Task GraphUnavailable_AfterTheSdksRetries_IsADependencyFailureAnswered503()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        SeedNested(fake);
        await using var services = Build(fake, new() { ["Graph:MaxRetries"] = "1" });
        fake.Faults.UnavailableRetryAfter = TimeSpan.Zero;
        fake.Faults.Unavailable = true;

        var error = await Assert.ThrowsAnyAsync<Exception>(() => Directory(services).GetTransitiveGroupIdsAsync("u1"));
        var problem = ProblemResponses.ToProblem(error);

        Assert.True(ProblemResponses.IsDependencyFailure(error), error.ToString());
        Assert.Equal(503, problem.Status);
        Assert.Contains("Microsoft Graph", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(2, fake.Counters.TransitiveMemberOf);
    }

    [Fact]
    public async Task Disabled_RefusesToCallGraph()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        await using var services = Build(fake, new() { ["Graph:Enabled"] = "false" });
        var directory = Directory(services);

        Assert.False(directory.IsEnabled);
        await Assert.ThrowsAsync<InvalidOperationException>(() => directory.GetTransitiveGroupIdsAsync("u1"));
        Assert.Equal(0, fake.Counters.Total);
    }

    [Theory]
    [InlineData("http://graph.example.com/v1.0")]
    [InlineData("https://graph.microsoft.com/beta")]
    [InlineData("https://graph.microsoft.com")]
    public void Options_WithABaseUrlTheSdkCannotUse_AreRefused(string baseUrl)
    {
        Assert.NotNull(new GraphOptions { BaseUrl = new Uri(baseUrl) }.Problem());
    }

    [Fact]
    public void Options_WithPlainHttpBaseUrl_AreRefusedInAzure()
    {
        var configuration = Configuration(new()
        {
            ["Graph:BaseUrl"] = "http://127.0.0.1:5000/v1.0",
            ["WEBSITE_SITE_NAME"] = "modelgate-prod",
        });

        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddGraph(configuration));

        Assert.Contains("Graph:BaseUrl", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task App_ResolvesTheDirectory_PointedAtTheConfiguredGraph()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        SeedNested(fake);
        await using var app = await ModelGateFactory.StartAsync(graph: fake);

        var groups = await app.Services.GetRequiredService<EntraDirectory>().GetTransitiveGroupIdsAsync("u1");

        Assert.Equal(["g1", "g2"], groups);
    }

    /// <summary>u1 in g1, g1 in g2; g3 stands apart.</summary>
    private static void SeedNested(GraphFake fake)
    {
        fake.Directory.AddUser("u1", "User One");
        fake.Directory.AddGroup("g1", "Group One");
        fake.Directory.AddGroup("g2", "Group Two");
        fake.Directory.AddGroup("g3", "Group Three");
        fake.Directory.AddMember("g1", "u1");
        fake.Directory.AddMember("g2", "g1");
    }

    /// <summary>Users u00.. in "even" or "odd" by number; both groups nested in "all".</summary>
    private static List<string> SeedUsers(GraphFake fake, int count)
    {
        fake.Directory.AddGroup("even", "Even");
        fake.Directory.AddGroup("odd", "Odd");
        fake.Directory.AddGroup("all", "All");
        fake.Directory.AddMember("all", "even");
        fake.Directory.AddMember("all", "odd");
        var users = Enumerable.Range(0, count).Select(i => $"u{i:D2}").ToList();
        for (var i = 0; i < count; i++)
        {
            fake.Directory.AddUser(users[i], $"User {i}");
            fake.Directory.AddMember(i % 2 == 0 ? "even" : "odd", users[i]);
        }

        return users;
    }

    private static void AssertMemberships(List<string> users, IReadOnlyDictionary<string, IReadOnlyList<string>> answers)
    {
        Assert.Equal(users.Count, answers.Count);
        for (var i = 0; i < users.Count; i++)
        {
            Assert.Equal([i % 2 == 0 ? "even" : "odd", "all"], answers[users[i]]);
        }
    }

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    private static ServiceProvider Build(GraphFake fake, Dictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Graph:BaseUrl"] = fake.BaseUrl,
            ["Azure:UseDevelopmentCredential"] = "true",
        };
        foreach (var (key, value) in overrides ?? []) settings[key] = value;
        var configuration = Configuration(settings);
        return new ServiceCollection()
            .AddSingleton(configuration)
            .AddAzureCredential(configuration)
            .AddGraph(configuration)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    private static EntraDirectory Directory(ServiceProvider services) => services.GetRequiredService<EntraDirectory>();
}
