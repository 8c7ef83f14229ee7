using System.Net;
using ModelGate.GroupFreshness;
using ModelGate.Tests.GroupFreshness;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.Invoke;

/// <summary>
/// Revocation end to end, through the real proxy: the directory changes in the Graph fake, Graph notifies the app's
/// webhook, and the next key call is decided on the refreshed sign-in record, without anyone signing in again.
/// </summary>
public sealed class GroupRevocationTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    private FreshnessGateway gateway = null!;
    private readonly TestUser erin = new("erin-" + Guid.NewGuid().ToString("N")[..8], "Erin External", [], ["partners"]);
    private string deployment = "";
    private string key = "";

    public async Task InitializeAsync()
    {
        gateway = await FreshnessGateway.StartAsync();
        gateway.AddToDirectory(erin, "partners");
        gateway.AddGroup("analysts");
        deployment = await gateway.DeploymentGrantedToAsync("partners");
        await gateway.SignInAsync(erin);
        key = await gateway.KeyForAsync(erin);
        await gateway.RunTimerAsync(RenewGraphSubscriptionJob.JobName);
        await gateway.RunTimerAsync(RefreshExternalGroupsJob.JobName);
        Assert.Single(gateway.Graph.Subscriptions);
    }

    public async Task DisposeAsync() => await gateway.DisposeAsync();

    [Fact]
    public async Task UserRemovedFromTheGrantedGroup_IsDeniedOnTheNextCall_AfterGraphNotifies()
    {
        await (await gateway.CallAsync(deployment, key)).AssertStatusAsync(HttpStatusCode.OK);

        gateway.Directory.RemoveMember("partners", erin.ObjectId);
        var deliveries = await gateway.Graph.SendNotificationsAsync();

        Assert.Equal(HttpStatusCode.Accepted, (HttpStatusCode)Assert.Single(deliveries).StatusCode!);
        await (await gateway.CallUntilAsync(deployment, key, HttpStatusCode.Forbidden, Bound)).AssertProblemAsync(HttpStatusCode.Forbidden, "deployment_forbidden");
        Assert.DoesNotContain("partners", (await gateway.RecordAsync(erin)).Groups);
    }

    [Fact]
    public async Task DeletedUser_KeysStopWorking_AndTheRecordKeepsNoGroupsOrRoles()
    {
        await (await gateway.CallAsync(deployment, key)).AssertStatusAsync(HttpStatusCode.OK);

        gateway.Directory.DeleteUser(erin.ObjectId);
        await gateway.Graph.SendNotificationsAsync();

        await (await gateway.CallUntilAsync(deployment, key, HttpStatusCode.Forbidden, Bound)).AssertProblemAsync(HttpStatusCode.Forbidden, "deployment_forbidden");
        var record = await gateway.RecordAsync(erin);
        Assert.Empty(record.Groups);
        Assert.Empty(record.Roles);
        Assert.Equal("deleted", record.GroupsSource);
    }

    [Fact]
    public async Task UserAddedToAGrantedGroup_GainsAccessWithoutSigningInAgain()
    {
        // Frank signed in before he was in any granted group; his key is refused until the directory says otherwise.
        var frank = new TestUser("frank-" + Guid.NewGuid().ToString("N")[..8], "Frank Partner", [], ["analysts"]);
        gateway.AddToDirectory(frank, "analysts");
        await gateway.SignInAsync(frank);
        var frankKey = await gateway.KeyForAsync(frank);
        await (await gateway.CallAsync(deployment, frankKey)).AssertProblemAsync(HttpStatusCode.Forbidden, "deployment_forbidden");

        gateway.Directory.AddMember("partners", frank.ObjectId);
        await gateway.Graph.SendNotificationsAsync();

        await (await gateway.CallUntilAsync(deployment, frankKey, HttpStatusCode.OK, Bound)).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(["analysts", "partners"], (await gateway.RecordAsync(frank)).Groups.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task UserWhoseNestedGroupLeavesTheGrantedGroup_IsDenied()
    {
        var nina = new TestUser("nina-" + Guid.NewGuid().ToString("N")[..8], "Nina Nested", [], []);
        gateway.AddToDirectory(nina, "contractors");
        gateway.Directory.AddMember("partners", "contractors");
        await gateway.SignInAsync(nina);
        var ninaKey = await gateway.KeyForAsync(nina);
        await gateway.Graph.SendNotificationsAsync();
        await (await gateway.CallUntilAsync(deployment, ninaKey, HttpStatusCode.OK, Bound)).AssertStatusAsync(HttpStatusCode.OK);

        gateway.Directory.RemoveMember("partners", "contractors");
        await gateway.Graph.SendNotificationsAsync();

        await (await gateway.CallUntilAsync(deployment, ninaKey, HttpStatusCode.Forbidden, Bound)).AssertProblemAsync(HttpStatusCode.Forbidden, "deployment_forbidden");
    }
}
