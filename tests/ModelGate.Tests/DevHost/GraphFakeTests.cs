using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Core;
using Microsoft.Graph;
using Microsoft.Graph.Authentication;
using Microsoft.Graph.Groups.Delta;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Graph.Users.Item.CheckMemberGroups;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Abstractions.Serialization;
using ModelGate.DevHost.Graph;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.DevHost;

/// <summary>The Graph fake, driven by the real GraphServiceClient with the SDK's own handler pipeline.</summary>
public sealed class GraphFakeTests
{
    [Fact]
    public async Task User_IsAnsweredWhileItExists_And404AfterItIsDeleted()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        fake.Directory.AddUser("u1", "User One");
        var client = Client(fake);

        var user = await client.Users["u1"].GetAsync(r => r.QueryParameters.Select = ["id"]);
        fake.Directory.DeleteUser("u1");
        var gone = await Assert.ThrowsAsync<ODataError>(() => client.Users["u1"].GetAsync());

        Assert.Equal("u1", user!.Id);
        Assert.Equal(404, gone.ResponseStatusCode);
        Assert.Equal(2, fake.Counters.Users);
    }

    [Fact]
    public async Task TransitiveMemberOf_WithNestedGroups_ReturnsDirectAndInheritedGroups()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        fake.Directory.AddUser("u1", "User One");
        fake.Directory.AddGroup("g1", "Group One");
        fake.Directory.AddGroup("g2", "Group Two");
        fake.Directory.AddGroup("g3", "Unrelated");
        fake.Directory.AddMember("g1", "u1");
        fake.Directory.AddMember("g2", "g1");

        var page = await Client(fake).Users["u1"].TransitiveMemberOf.GraphGroup.GetAsync();

        Assert.Equal(["g1", "g2"], page!.Value!.Select(g => g.Id));
        Assert.Equal(["Group One", "Group Two"], page.Value!.Select(g => g.DisplayName));
        Assert.Null(page.OdataNextLink);
    }

    [Fact]
    public async Task TransitiveMemberOf_WithMoreGroupsThanAPage_PagesThroughFullNextLinks()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions { PageSize = 5 });
        fake.Directory.AddUser("u1", "User One");
        for (var i = 0; i < 12; i++)
        {
            fake.Directory.AddGroup($"g{i:D2}", $"Group {i}");
            fake.Directory.AddMember($"g{i:D2}", "u1");
        }

        var groups = Client(fake).Users["u1"].TransitiveMemberOf.GraphGroup;
        var page = await groups.GetAsync(r => r.QueryParameters.Select = ["id"]);
        var ids = new List<string>();
        var nextLinks = new List<string>();
        while (page is not null)
        {
            ids.AddRange(page.Value!.Select(g => g.Id!));
            Assert.All(page.Value!, g => Assert.Null(g.DisplayName));
            if (page.OdataNextLink is not { } next)
            {
                break;
            }

            nextLinks.Add(next);
            page = await groups.WithUrl(next).GetAsync();
        }

        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"g{i:D2}"), ids);
        Assert.Equal(2, nextLinks.Count);
        Assert.All(nextLinks, link => Assert.StartsWith(fake.BaseUrl + "/users/u1/transitiveMemberOf/graph.group?$select=id&$skiptoken=", link));
        Assert.Equal(3, fake.Counters.TransitiveMemberOf);
    }

    [Fact]
    public async Task CheckMemberGroups_ReturnsOnlyGroupsTheUserIsInThroughNesting()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        SeedNested(fake);

        var answer = await Client(fake).Users["u1"].CheckMemberGroups.PostAsCheckMemberGroupsPostResponseAsync(
            new CheckMemberGroupsPostRequestBody { GroupIds = ["g3", "g2", "g1"] });

        Assert.Equal(["g2", "g1"], answer!.Value);
        Assert.Equal(1, fake.Counters.CheckMemberGroups);
    }

    [Fact]
    public async Task CheckMemberGroups_ForUnknownUser_Returns404ResourceNotFound()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());

        var error = await Assert.ThrowsAsync<ODataError>(() => Client(fake).Users["nobody"].CheckMemberGroups.PostAsCheckMemberGroupsPostResponseAsync(
            new CheckMemberGroupsPostRequestBody { GroupIds = ["g1"] }));

        Assert.Equal(404, error.ResponseStatusCode);
        Assert.Equal("Request_ResourceNotFound", error.Error!.Code);
        Assert.NotNull(error.Error.InnerError);
    }

    [Fact]
    public async Task Request_ThrottledOnce_IsRetriedBySdkAfterRetryAfter()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        SeedNested(fake);
        fake.Faults.ThrottleNext(1, TimeSpan.FromSeconds(1));

        var watch = Stopwatch.StartNew();
        var answer = await Client(fake).Users["u1"].CheckMemberGroups.PostAsCheckMemberGroupsPostResponseAsync(
            new CheckMemberGroupsPostRequestBody { GroupIds = ["g1"] });

        Assert.Equal(["g1"], answer!.Value);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1), $"retried after {watch.Elapsed}");
        Assert.Equal(2, fake.Counters.CheckMemberGroups);
        Assert.Equal(1, fake.Counters.Throttled);
    }

    [Fact]
    public async Task Batch_WithThrottledItems_Answers200WithItem429AndRetryAfterInside()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        SeedNested(fake);
        var client = Client(fake);
        fake.Faults.ThrottleBatchItems(2, TimeSpan.FromSeconds(7));

        var batch = new BatchRequestContentCollection(client);
        foreach (var id in new[] { "a", "b", "c" })
        {
            await batch.AddBatchRequestStepAsync(
                client.Users["u1"].CheckMemberGroups.ToPostRequestInformation(new CheckMemberGroupsPostRequestBody { GroupIds = ["g1", "g3"] }), id);
        }

        var responses = await client.Batch.PostAsync(batch);
        var statuses = await responses.GetResponsesStatusCodesAsync();
        using var throttled = await responses.GetResponseByIdAsync("a");
        var answered = await responses.GetResponseByIdAsync<CheckMemberGroupsPostResponse>("c");

        Assert.Equal(HttpStatusCode.TooManyRequests, statuses["a"]);
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses["b"]);
        Assert.Equal(HttpStatusCode.OK, statuses["c"]);
        Assert.Equal(TimeSpan.FromSeconds(7), throttled.Headers.RetryAfter?.Delta);
        Assert.Equal(["g1"], answered.Value);
        Assert.Equal(1, fake.Counters.Batch);
        Assert.Equal(3, fake.Counters.BatchItems);
        Assert.Equal(3, fake.Counters.CheckMemberGroups);
    }

    [Fact]
    public async Task Batch_WithMoreThan20Requests_Returns400()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        var requests = string.Join(',', Enumerable.Range(0, 21).Select(i => $$"""{"id":"{{i}}","method":"GET","url":"/subscriptions"}"""));
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, fake.BaseUrl + "/$batch")
        {
            Content = new StringContent($$"""{"requests":[{{requests}}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", "test-token");

        using var response = await http.SendAsync(request);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("BadRequest", (string?)error["code"]);
        Assert.Contains("20", (string?)error["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delta_FirstRound_ReturnsMembersAcrossNextLinksThenADeltaLink()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions { PageSize = 2 });
        SeedNested(fake);
        fake.Directory.AddUser("u2", "User Two");
        fake.Directory.AddMember("g3", "u2");

        var (groups, links) = await ReadDeltaAsync(Client(fake), ["g1", "g2", "g3"], null);

        Assert.Equal(["g1", "g2", "g3"], groups.Select(g => g.Id));
        Assert.Equal([("u1", "#microsoft.graph.user", false)], Members(groups[0]));
        Assert.Equal([("g1", "#microsoft.graph.group", false)], Members(groups[1]));
        Assert.Equal("Group Two", groups[1].DisplayName);
        Assert.Equal(2, links.Count);
        Assert.StartsWith(fake.BaseUrl + "/groups/delta?$skiptoken=", links[0]);
        Assert.StartsWith(fake.BaseUrl + "/groups/delta?$deltatoken=", links[1]);
        Assert.Equal(2, fake.Counters.Delta);
    }

    [Fact]
    public async Task Delta_FollowingTheDeltaLink_ReturnsExactlyTheChangesSince()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        SeedNested(fake);
        fake.Directory.AddUser("u2", "User Two");
        fake.Directory.AddGroup("g4", "Group Four");
        var client = Client(fake);
        var (_, firstLinks) = await ReadDeltaAsync(client, ["g1", "g2", "g3", "g4"], null);

        fake.Directory.RemoveMember("g1", "u1");
        fake.Directory.AddMember("g3", "u2");
        fake.Directory.AddMember("g3", "g4");
        fake.Directory.RenameGroup("g2", "Group Two renamed");
        fake.Directory.DeleteGroup("g4");
        fake.Directory.AddUser("u3", "Outside the filter");
        var (changes, links) = await ReadDeltaAsync(client, [], firstLinks[^1]);
        var (unchanged, _) = await ReadDeltaAsync(client, [], links[^1]);

        Assert.Equal(["g1", "g2", "g3", "g4"], changes.Select(g => g.Id));
        Assert.Equal([("u1", "#microsoft.graph.user", true)], Members(changes[0]));
        Assert.Equal("Group Two renamed", changes[1].DisplayName);
        Assert.Empty(Members(changes[1]));
        // g4 joined g3 and was deleted since: the net change to g3 is u2 alone.
        Assert.Equal([("u2", "#microsoft.graph.user", false)], Members(changes[2]));
        Assert.Equal("changed", Removed(changes[3]));
        Assert.Null(Removed(changes[0]));
        Assert.Empty(unchanged);
    }

    [Fact]
    public async Task Delta_GroupWithMoreMembersThanAPage_ComesAsSeveralItemsOfTheSameGroup()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions { PageSize = 3 });
        fake.Directory.AddGroup("big", "Big group");
        for (var i = 0; i < 7; i++)
        {
            fake.Directory.AddUser($"u{i}", $"User {i}");
            fake.Directory.AddMember("big", $"u{i}");
        }

        var (items, links) = await ReadDeltaAsync(Client(fake), ["big"], null);

        Assert.Equal(3, items.Count);
        Assert.All(items, item => Assert.Equal("big", item.Id));
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"u{i}"), items.SelectMany(Members).Select(m => m.Id));
        Assert.Single(links, link => link.Contains("$deltatoken=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Delta_WithExpiredToken_Returns410SyncStateNotFound()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        SeedNested(fake);
        var client = Client(fake);
        var (_, links) = await ReadDeltaAsync(client, ["g1"], null);

        fake.Faults.ExpireDeltaTokens();
        var error = await Assert.ThrowsAsync<ODataError>(() => client.Groups.Delta.WithUrl(links[^1]).GetAsDeltaGetResponseAsync());

        Assert.Equal(410, error.ResponseStatusCode);
        Assert.Equal("syncStateNotFound", error.Error!.Code);
    }

    [Fact]
    public async Task Delta_WithMoreThan50IdsInFilter_Returns400()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        var filter = string.Join(" or ", Enumerable.Range(0, 51).Select(i => $"id eq 'g{i}'"));

        var error = await Assert.ThrowsAsync<ODataError>(() => Client(fake).Groups.Delta.GetAsDeltaGetResponseAsync(r =>
        {
            r.QueryParameters.Filter = filter;
            r.QueryParameters.Select = ["id", "displayName", "members"];
        }));

        Assert.Equal(400, error.ResponseStatusCode);
        Assert.Contains("50", error.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_WithoutToken_Returns401InvalidAuthenticationToken()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        SeedNested(fake);
        var anonymous = new GraphServiceClient(GraphClientFactory.Create(GraphClientFactory.CreateDefaultHandlers()), new AnonymousAuthenticationProvider(), fake.BaseUrl);

        var error = await Assert.ThrowsAsync<ODataError>(() => anonymous.Users["u1"].TransitiveMemberOf.GraphGroup.GetAsync());

        Assert.Equal(401, error.ResponseStatusCode);
        Assert.Equal("InvalidAuthenticationToken", error.Error!.Code);
        Assert.Equal(1, fake.Counters.Unauthorized);
        Assert.Equal(0, fake.Counters.TransitiveMemberOf);
    }

    [Fact]
    public async Task UnknownRoute_Returns404InGraphsErrorShape()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());

        var error = await Assert.ThrowsAsync<ODataError>(() => Client(fake).Groups["g1"].GetAsync());

        Assert.Equal(404, error.ResponseStatusCode);
        Assert.False(string.IsNullOrEmpty(error.Error!.Code));
    }

    [Theory]
    [InlineData("GET", "/v1.0/groups/delta?$filter=displayName eq 'x'", null, 400)]
    [InlineData("GET", "/v1.0/groups/delta?$select=id,mail", null, 400)]
    [InlineData("GET", "/v1.0/groups/delta?$select=id&$select=members", null, 400)]
    [InlineData("GET", "/v1.0/groups/delta?$skiptoken=garbage", null, 400)]
    [InlineData("GET", "/v1.0/groups/delta?$deltatoken=unknown", null, 410)]
    [InlineData("GET", "/v1.0/groups/delta?$orderby=id", null, 400)]
    [InlineData("GET", "/v1.0/users/u1/transitiveMemberOf?$top=0", null, 400)]
    [InlineData("GET", "/v1.0/users/u1/transitiveMemberOf?$top=abc", null, 400)]
    [InlineData("GET", "/v1.0/users/u1/transitiveMemberOf?$skiptoken=%%%", null, 400)]
    [InlineData("GET", "/v1.0/users/u1/transitiveMemberOf?$filter=x", null, 400)]
    [InlineData("POST", "/v1.0/users/u1/checkMemberGroups", "not json", 400)]
    [InlineData("POST", "/v1.0/users/u1/checkMemberGroups", "{\"groupIds\":[1]}", 400)]
    [InlineData("POST", "/v1.0/users/u1/checkMemberGroups", "{\"groupIds\":[]}", 400)]
    [InlineData("POST", "/v1.0/users//checkMemberGroups", "{\"groupIds\":[\"g1\"]}", 404)]
    [InlineData("DELETE", "/v1.0/users/u1/checkMemberGroups", null, 405)]
    [InlineData("POST", "/v1.0/$batch", "[]", 400)]
    [InlineData("POST", "/v1.0/$batch", "{\"requests\":[{\"id\":\"1\",\"method\":\"GET\"}]}", 400)]
    [InlineData("POST", "/v1.0/$batch", "{\"requests\":[{\"id\":\"1\",\"method\":\"GET\",\"url\":\"/a\"},{\"id\":\"1\",\"method\":\"GET\",\"url\":\"/a\"}]}", 400)]
    [InlineData("POST", "/v1.0/subscriptions", "{}", 400)]
    [InlineData("POST", "/v1.0/subscriptions", "{\"changeType\":\"updated\",\"resource\":\"users\",\"notificationUrl\":\"https://x.example/n\",\"expirationDateTime\":\"2100-01-01T00:00:00Z\"}", 400)]
    [InlineData("POST", "/v1.0/subscriptions", "{\"changeType\":\"updated\",\"resource\":\"groups\",\"notificationUrl\":\"http://x.example/n\",\"expirationDateTime\":\"tomorrow\"}", 400)]
    [InlineData("PATCH", "/v1.0/subscriptions/nope", "{\"expirationDateTime\":\"2100-01-01T00:00:00Z\"}", 404)]
    [InlineData("GET", "/beta/groups/delta", null, 404)]
    [InlineData("GET", "/v1.0/me", null, 404)]
    public async Task BadInput_IsAnsweredWithA4xxInGraphsErrorShape(string method, string pathAndQuery, string? body, int status)
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        SeedNested(fake);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(new Uri(fake.BaseUrl), pathAndQuery));
        request.Headers.Authorization = new("Bearer", "test-token");
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        var error = JsonNode.Parse(text)!["error"]!;
        Assert.False(string.IsNullOrEmpty((string?)error["code"]));
        Assert.False(string.IsNullOrEmpty((string?)error["message"]));
        Assert.NotNull(error["innerError"]?["request-id"]);
    }

    [Fact]
    public async Task CreateSubscription_PerformsTheValidationHandshake_ThenRenewsAndDeletes()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        await using var receiver = await NotificationReceiver.StartAsync();
        var client = Client(fake);

        var created = await client.Subscriptions.PostAsync(NewSubscription(receiver, TimeSpan.FromDays(2), lifecycle: true));
        var renewedUntil = DateTimeOffset.UtcNow.AddMinutes(41_000);
        var renewed = await client.Subscriptions[created!.Id].PatchAsync(new Subscription { ExpirationDateTime = renewedUntil });
        var listed = fake.Subscriptions;
        await client.Subscriptions[created.Id].DeleteAsync();

        Assert.Equal("updated,deleted", created.ChangeType);
        Assert.Equal("secret-state", created.ClientState);
        Assert.Equal(2, receiver.ValidationTokens.Count);
        Assert.All(receiver.ValidationTokens, token => Assert.StartsWith("Validation: ", token));
        Assert.Equal(2, fake.Counters.ValidationRequests);
        Assert.Equal(renewedUntil.ToUnixTimeSeconds(), renewed!.ExpirationDateTime!.Value.ToUnixTimeSeconds());
        Assert.Equal(created.Id, Assert.Single(listed).Id);
        Assert.Empty(fake.Subscriptions);
        Assert.Equal(3, fake.Counters.Subscriptions);
    }

    [Fact]
    public async Task CreateSubscription_WhenTheListenerDoesNotEchoTheToken_Returns400AndKeepsNothing()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        await using var receiver = await NotificationReceiver.StartAsync(ValidationAnswer.WrongToken);

        var error = await Assert.ThrowsAsync<ODataError>(() => Client(fake).Subscriptions.PostAsync(NewSubscription(receiver, TimeSpan.FromDays(1))));

        Assert.Equal(400, error.ResponseStatusCode);
        Assert.Equal("ValidationError", error.Error!.Code);
        Assert.Single(receiver.ValidationTokens);
        Assert.Empty(fake.Subscriptions);
    }

    [Fact]
    public async Task CreateSubscription_WhenTheListenerStaysSilent_FailsAfterTheValidationTimeout()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions { ValidationTimeout = TimeSpan.FromMilliseconds(300) });
        await using var receiver = await NotificationReceiver.StartAsync(ValidationAnswer.Silent);

        var error = await Assert.ThrowsAsync<ODataError>(() => Client(fake).Subscriptions.PostAsync(NewSubscription(receiver, TimeSpan.FromDays(1))));

        Assert.Equal(400, error.ResponseStatusCode);
        Assert.Contains("did not answer", error.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateSubscription_BeyondTheMaximumLifetimeForGroups_Returns400WithoutCallingTheListener()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        await using var receiver = await NotificationReceiver.StartAsync();

        var error = await Assert.ThrowsAsync<ODataError>(() => Client(fake).Subscriptions.PostAsync(NewSubscription(receiver, TimeSpan.FromMinutes(41_762))));

        Assert.Equal(400, error.ResponseStatusCode);
        Assert.Contains("41760", error.Error!.Message, StringComparison.Ordinal);
        Assert.Empty(receiver.ValidationTokens);
    }

    [Fact]
    public async Task SendNotifications_AfterGroupChanges_PostsGraphShapedNotificationsWithClientState()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        await using var receiver = await NotificationReceiver.StartAsync();
        SeedNested(fake);
        var subscription = await Client(fake).Subscriptions.PostAsync(NewSubscription(receiver, TimeSpan.FromDays(1)));

        fake.Directory.RemoveMember("g1", "u1");
        fake.Directory.DeleteGroup("g3");
        var deliveries = await fake.SendNotificationsAsync();
        var again = await fake.SendNotificationsAsync();

        var delivery = Assert.Single(deliveries);
        Assert.True(delivery.Delivered);
        Assert.Equal(202, delivery.StatusCode);
        Assert.Empty(again);
        var (path, body) = Assert.Single(receiver.Notifications);
        Assert.Equal("/notifications", path);
        var items = body["value"]!.AsArray();
        Assert.Equal(["updated", "deleted"], items.Select(i => (string?)i!["changeType"]));
        var updated = items[0]!;
        Assert.Equal(subscription!.Id, (string?)updated["subscriptionId"]);
        Assert.Equal("secret-state", (string?)updated["clientState"]);
        Assert.Equal("Groups/g1", (string?)updated["resource"]);
        Assert.Equal(fake.TenantId, (string?)updated["tenantId"]);
        Assert.Equal("#Microsoft.Graph.Group", (string?)updated["resourceData"]!["@odata.type"]);
        Assert.Equal("g1", (string?)updated["resourceData"]!["id"]);
        Assert.Equal(fake.TenantId, (string?)updated["resourceData"]!["organizationId"]);
        Assert.NotNull((string?)updated["subscriptionExpirationDateTime"]);
    }

    [Fact]
    public async Task NotificationDelay_SendsNotificationsWithoutBeingAsked()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions { NotificationDelay = TimeSpan.FromMilliseconds(50) });
        await using var receiver = await NotificationReceiver.StartAsync();
        SeedNested(fake);
        await Client(fake).Subscriptions.PostAsync(NewSubscription(receiver, TimeSpan.FromDays(1)));

        fake.Directory.RenameGroup("g2", "Renamed");

        await WaitUntilAsync(() => !receiver.Notifications.IsEmpty);
        Assert.Equal("Groups/g2", (string?)receiver.Notifications.Single().Body["value"]![0]!["resource"]);
    }

    [Fact]
    public async Task SendLifecycleNotification_PostsReauthorizationRequiredToTheLifecycleUrl()
    {
        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        await using var receiver = await NotificationReceiver.StartAsync();
        var subscription = await Client(fake).Subscriptions.PostAsync(NewSubscription(receiver, TimeSpan.FromDays(1), lifecycle: true));

        var delivery = await fake.SendLifecycleNotificationAsync(subscription!.Id!);

        Assert.True(delivery.Delivered);
        var (path, body) = Assert.Single(receiver.Notifications);
        Assert.Equal("/lifecycle", path);
        var item = body["value"]![0]!;
        Assert.Equal("reauthorizationRequired", (string?)item["lifecycleEvent"]);
        Assert.Equal(subscription.Id, (string?)item["subscriptionId"]);
        Assert.Equal("secret-state", (string?)item["clientState"]);
    }

    [Fact]
    public async Task SeedFile_IsLoadedAtStartAndEveryEditBecomesADelta()
    {
        var path = Path.Combine(Path.GetTempPath(), $"modelgate-directory-{Guid.NewGuid():N}.json");
        try
        {
            await File.WriteAllTextAsync(path, """
                // comments and trailing commas are fine: people edit this file
                { "users": [ { "id": "erin", "displayName": "Erin" }, { "id": "frank", "displayName": "Frank" } ],
                  "groups": [ { "id": "analysts", "displayName": "Analysts", "members": ["erin", "frank"] },
                              { "id": "partners", "displayName": "Partners", "members": ["analysts"] }, ] }
                """);
            await using var fake = await GraphFake.StartAsync(new GraphFakeOptions { SeedPath = path, SeedPollInterval = TimeSpan.FromMilliseconds(50) });
            var client = Client(fake);
            var (first, links) = await ReadDeltaAsync(client, ["analysts", "partners"], null);

            await File.WriteAllTextAsync(path, """
                { "users": [ { "id": "erin", "displayName": "Erin" }, { "id": "frank", "displayName": "Frank" } ],
                  "groups": [ { "id": "analysts", "displayName": "Fraud analysts", "members": ["erin"] },
                              { "id": "partners", "displayName": "Partners", "members": ["analysts", "frank"] } ] }
                """);
            await WaitUntilAsync(() => fake.Counters.SeedReloads > 0);
            var (changes, _) = await ReadDeltaAsync(client, [], links[^1]);

            Assert.Equal([("erin", "#microsoft.graph.user", false), ("frank", "#microsoft.graph.user", false)], Members(first[0]));
            Assert.Equal(["analysts", "partners"], changes.Select(g => g.Id));
            Assert.Equal("Fraud analysts", changes[0].DisplayName);
            Assert.Equal([("frank", "#microsoft.graph.user", true)], Members(changes[0]));
            Assert.Equal([("frank", "#microsoft.graph.user", false)], Members(changes[1]));
            Assert.Equal(["analysts", "partners"], fake.Directory.TransitiveGroupsOf("erin"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task SeedFile_ThatIsBrokenAtStart_RefusesToStartNamingTheProblem()
    {
        var path = Path.Combine(Path.GetTempPath(), $"modelgate-directory-{Guid.NewGuid():N}.json");
        try
        {
            await File.WriteAllTextAsync(path, """{ "groups": [ { "id": "g1", "displayName": "G1", "members": ["ghost"] } ] }""");

            var error = await Assert.ThrowsAsync<InvalidDataException>(() => GraphFake.StartAsync(new GraphFakeOptions { SeedPath = path }));

            Assert.Contains("ghost", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task SampleDirectoryFile_Loads()
    {
        var sample = Path.Combine(AppContext.BaseDirectory, "Graph", "directory.sample.json");

        await using var fake = await GraphFake.StartAsync(new GraphFakeOptions { SeedPath = sample });

        Assert.Contains("partners", fake.Directory.TransitiveGroupsOf("erin"));
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

    private static GraphServiceClient Client(GraphFake fake)
    {
        var authentication = new AzureIdentityAuthenticationProvider(
            new FixedTokenCredential(), ["127.0.0.1"], observabilityOptions: null, isCaeEnabled: true, "https://graph.microsoft.com/.default");
        return new GraphServiceClient(GraphClientFactory.Create(GraphClientFactory.CreateDefaultHandlers()), authentication, fake.BaseUrl);
    }

    private static Subscription NewSubscription(NotificationReceiver receiver, TimeSpan lifetime, bool lifecycle = false) => new()
    {
        ChangeType = "updated,deleted",
        NotificationUrl = receiver.NotificationUrl.ToString(),
        LifecycleNotificationUrl = lifecycle ? receiver.LifecycleUrl.ToString() : null,
        Resource = "groups",
        ExpirationDateTime = DateTimeOffset.UtcNow.Add(lifetime),
        ClientState = "secret-state",
    };

    /// <summary>Runs one delta round to its delta link; returns every item and every link followed or ended on.</summary>
    private static async Task<(List<Group> Items, List<string> Links)> ReadDeltaAsync(GraphServiceClient client, string[] ids, string? deltaLink)
    {
        var page = deltaLink is null
            ? await client.Groups.Delta.GetAsDeltaGetResponseAsync(r =>
            {
                r.QueryParameters.Filter = string.Join(" or ", ids.Select(id => $"id eq '{id}'"));
                r.QueryParameters.Select = ["id", "displayName", "members"];
            })
            : await client.Groups.Delta.WithUrl(deltaLink).GetAsDeltaGetResponseAsync();
        var items = new List<Group>();
        var links = new List<string>();
        while (true)
        {
            items.AddRange(page!.Value!);
            if (page.OdataNextLink is { } next)
            {
                links.Add(next);
                page = await client.Groups.Delta.WithUrl(next).GetAsDeltaGetResponseAsync();
                continue;
            }

            links.Add(page.OdataDeltaLink!);
            return (items, links);
        }
    }

    private static List<(string Id, string Type, bool Removed)> Members(Group group)
    {
        if (!group.AdditionalData.TryGetValue("members@delta", out var members))
        {
            return [];
        }

        return [.. ((UntypedArray)members).GetValue().Cast<UntypedObject>().Select(m => m.GetValue()).Select(m => (
            ((UntypedString)m["id"]).GetValue()!,
            ((UntypedString)m["@odata.type"]).GetValue()!,
            m.ContainsKey("@removed")))];
    }

    private static string? Removed(Group group) =>
        group.AdditionalData.TryGetValue("@removed", out var removed)
            ? ((UntypedString)((UntypedObject)removed).GetValue()["reason"]).GetValue()
            : null;

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(5), "the condition did not come true within 5 s");
            await Task.Delay(20);
        }
    }

    private sealed class FixedTokenCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new("test-token", DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
