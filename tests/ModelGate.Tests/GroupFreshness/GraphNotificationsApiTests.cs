using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ModelGate.Directory;
using ModelGate.GroupFreshness;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.GroupFreshness;

/// <summary>The webhook Graph calls and the subscription behind it, with the Graph fake sending the real shapes.</summary>
public sealed class GraphNotificationsApiTests
{
    // Shaped like the tokens Graph sends: spaces and colons, so the echo only matches when the query is decoded.
    private const string GraphToken = "Validation: Testing client application reachability for subscription Request-Id: 5f1c2d3e-aaaa-4bbb-8ccc-0123456789ab";

    private static TestUser User(string name, params string[] tokenGroups) =>
        new(name + "-" + Guid.NewGuid().ToString("N")[..6], name, [], tokenGroups);

    [Theory]
    [InlineData(SubscriptionKeeper.NotificationPath)]
    [InlineData(SubscriptionKeeper.LifecyclePath)]
    public async Task ValidationHandshake_EchoesTheDecodedTokenAsTextPlain(string path)
    {
        await using var gateway = await FreshnessGateway.StartAsync();

        var response = await gateway.App.CreateClient().PostAsync($"{path}?validationToken={Uri.EscapeDataString(GraphToken)}",
            new StringContent("", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(GraphToken, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task RenewGraphSubscription_CreatesTheSubscription_AfterGraphValidatedBothUrls()
    {
        await using var gateway = await FreshnessGateway.StartAsync();

        await gateway.RunTimerAsync(RenewGraphSubscriptionJob.JobName);

        var subscription = Assert.Single(gateway.Graph.Subscriptions);
        Assert.Equal("groups", subscription.Resource);
        Assert.Equal(["updated", "deleted"], subscription.ChangeTypes);
        Assert.Equal("https://gateway.test/api/graph/notifications", subscription.NotificationUrl.AbsoluteUri);
        Assert.Equal("https://gateway.test/api/graph/lifecycle", subscription.LifecycleNotificationUrl?.AbsoluteUri);
        Assert.InRange(subscription.ClientState!.Length, 40, 128);
        Assert.InRange(subscription.ExpirationDateTime - DateTimeOffset.UtcNow, TimeSpan.FromDays(28), TimeSpan.FromMinutes(SubscriptionKeeper.MaxLifetimeMinutes));
        Assert.Equal(2, gateway.Graph.Counters.ValidationRequests);

        // Nothing is due an hour later: the same subscription, not renewed.
        await gateway.RunTimerAsync(RenewGraphSubscriptionJob.JobName);
        Assert.Equal(subscription, Assert.Single(gateway.Graph.Subscriptions));
    }

    [Fact]
    public async Task SubscriptionGraphLost_IsMadeAgainWithANewSecret()
    {
        await using var gateway = await FreshnessGateway.StartAsync();
        await gateway.RunTimerAsync(RenewGraphSubscriptionJob.JobName);
        var lost = Assert.Single(gateway.Graph.Subscriptions);
        await gateway.App.Services.GetRequiredService<EntraDirectory>().DeleteSubscriptionAsync(lost.Id);

        await gateway.RunTimerAsync(RenewGraphSubscriptionJob.JobName);

        var made = Assert.Single(gateway.Graph.Subscriptions);
        Assert.NotEqual(lost.Id, made.Id);
        Assert.NotEqual(lost.ClientState, made.ClientState);
    }

    [Fact]
    public async Task NotificationWithAWrongClientState_IsRefused_AndQueuesNothing()
    {
        await using var gateway = await FreshnessGateway.StartAsync();
        gateway.AddGroup("granted");
        await gateway.DeploymentGrantedToAsync("granted");
        await gateway.RunTimerAsync(RenewGraphSubscriptionJob.JobName);
        var subscription = Assert.Single(gateway.Graph.Subscriptions);

        var response = await PostAsync(gateway, SubscriptionKeeper.NotificationPath, Notification(subscription.Id, subscription.ClientState + "x", "granted"));

        await response.AssertProblemAsync(HttpStatusCode.Forbidden, "invalid_client_state");
        Assert.Empty(await Queue(gateway).ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task NotificationFromAnotherSubscription_IsRefusedEvenWithTheRightClientState()
    {
        await using var gateway = await FreshnessGateway.StartAsync();
        gateway.AddGroup("granted");
        await gateway.DeploymentGrantedToAsync("granted");
        await gateway.RunTimerAsync(RenewGraphSubscriptionJob.JobName);
        var subscription = Assert.Single(gateway.Graph.Subscriptions);

        var response = await PostAsync(gateway, SubscriptionKeeper.NotificationPath, Notification(Guid.NewGuid().ToString(), subscription.ClientState!, "granted"));

        await response.AssertProblemAsync(HttpStatusCode.Forbidden, "invalid_client_state");
    }

    [Fact]
    public async Task NotificationWithTheRightClientState_Answers202_AndRefreshesTheTrackedGroupsOnly()
    {
        await using var gateway = await FreshnessGateway.StartAsync();
        var ann = User("ann", "granted");
        gateway.AddToDirectory(ann, "granted");
        gateway.AddGroup("elsewhere");
        await gateway.DeploymentGrantedToAsync("granted");
        await gateway.SignInAsync(ann);
        await gateway.RunTimerAsync(RenewGraphSubscriptionJob.JobName);
        await gateway.RunTimerAsync(RefreshExternalGroupsJob.JobName);
        var subscription = Assert.Single(gateway.Graph.Subscriptions);
        gateway.Directory.RemoveMember("granted", ann.ObjectId);

        var elsewhere = await PostAsync(gateway, SubscriptionKeeper.NotificationPath, Notification(subscription.Id, subscription.ClientState!, "elsewhere"));
        Assert.Equal(HttpStatusCode.Accepted, elsewhere.StatusCode);
        Assert.Empty(await Queue(gateway).ReadAsync(CancellationToken.None));

        var response = await PostAsync(gateway, SubscriptionKeeper.NotificationPath, Notification(subscription.Id, subscription.ClientState!, "granted"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await WaitUntilAsync(async () => !(await gateway.RecordAsync(ann)).Groups.Contains("granted"));
        await WaitUntilAsync(async () => (await Queue(gateway).ReadAsync(CancellationToken.None)).Count == 0);
    }

    [Fact]
    public async Task ReauthorizationRequired_RenewsTheSubscription()
    {
        await using var gateway = await FreshnessGateway.StartAsync();
        await gateway.RunTimerAsync(RenewGraphSubscriptionJob.JobName);
        var before = Assert.Single(gateway.Graph.Subscriptions);
        await Task.Delay(TimeSpan.FromSeconds(1.1)); // Graph's times are in whole seconds, or finer

        var delivery = await gateway.Graph.SendLifecycleNotificationAsync(before.Id);

        Assert.Equal(HttpStatusCode.Accepted, (HttpStatusCode)delivery.StatusCode!);
        await WaitUntilAsync(() => Task.FromResult(gateway.Graph.Subscriptions.Single().ExpirationDateTime > before.ExpirationDateTime));
        Assert.Equal(before.Id, gateway.Graph.Subscriptions.Single().Id);
    }

    [Fact]
    public async Task LifecycleNotificationWithAWrongClientState_IsRefused()
    {
        await using var gateway = await FreshnessGateway.StartAsync();
        await gateway.RunTimerAsync(RenewGraphSubscriptionJob.JobName);
        var subscription = Assert.Single(gateway.Graph.Subscriptions);
        var body = JsonSerializer.Serialize(new
        {
            value = new[] { new { subscriptionId = subscription.Id, clientState = "guessed", lifecycleEvent = "reauthorizationRequired" } },
        });

        var response = await PostAsync(gateway, SubscriptionKeeper.LifecyclePath, body);

        await response.AssertProblemAsync(HttpStatusCode.Forbidden, "invalid_client_state");
    }

    [Fact]
    public async Task NotificationBodyOverTheLimit_Is413()
    {
        await using var gateway = await FreshnessGateway.StartAsync();

        var response = await PostAsync(gateway, SubscriptionKeeper.NotificationPath, "{\"value\":[\"" + new string('x', GraphNotificationsApi.MaxBodyBytes) + "\"]}");

        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task NotificationThatIsNotJson_Is400()
    {
        await using var gateway = await FreshnessGateway.StartAsync();

        var response = await PostAsync(gateway, SubscriptionKeeper.NotificationPath, "not json");

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_json");
    }

    [Fact]
    public void ClientStates_AreComparedWhole()
    {
        Assert.True(SubscriptionKeeper.SameSecret("abc", "abc"));
        Assert.False(SubscriptionKeeper.SameSecret("abc", "abd"));
        Assert.False(SubscriptionKeeper.SameSecret("abc", "ab"));
        Assert.False(SubscriptionKeeper.SameSecret("abc", ""));
    }

    private static string Notification(string subscriptionId, string clientState, string groupId) => JsonSerializer.Serialize(new
    {
        value = new[]
        {
            new
            {
                subscriptionId,
                clientState,
                changeType = "updated",
                resource = $"Groups/{groupId}",
                resourceData = new Dictionary<string, string> { ["@odata.type"] = "#Microsoft.Graph.Group", ["id"] = groupId },
                tenantId = "6f1c2d3e-0a4b-4c5d-8e6f-7a8b9c0d1e2f",
            },
        },
    });

    private static Task<HttpResponseMessage> PostAsync(FreshnessGateway gateway, string path, string body) =>
        gateway.App.CreateClient().PostAsync(path, Http.Json(body));

    private static RefreshQueue Queue(FreshnessGateway gateway) => gateway.App.Services.GetRequiredService<RefreshQueue>();

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 15 s");
            await Task.Delay(100);
        }
    }
}
