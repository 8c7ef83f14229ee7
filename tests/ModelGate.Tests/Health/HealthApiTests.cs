using System.Net;
using ModelGate.DevHost.KeyVault;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.Health;

public sealed class HealthApiTests
{
    [Fact]
    public async Task Health_WithStorageAndVaultUp_IsHealthyWithoutAuth()
    {
        await using var app = await ModelGateFactory.StartAsync();
        var body = await (await app.CreateClient().GetAsync("/api/health")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("healthy", (string?)body["status"]);
        Assert.Equal("healthy", (string?)body["checks"]!["table_storage"]!["status"]);
        Assert.Equal("healthy", (string?)body["checks"]!["key_vault"]!["status"]);
    }

    [Fact]
    public async Task Health_WithVaultDown_Is503AndSaysWhich()
    {
        await using var vault = await KeyVaultFake.StartAsync(new KeyVaultFakeOptions());
        await using var app = new ModelGateFactory(await SharedAzurite.GetAsync(), vault);
        vault.Faults.Unavailable = true;
        var body = await (await app.CreateClient().GetAsync("/api/health")).AssertStatusAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("unhealthy", (string?)body["status"]);
        Assert.Equal("healthy", (string?)body["checks"]!["table_storage"]!["status"]);
        Assert.Equal("unhealthy", (string?)body["checks"]!["key_vault"]!["status"]);
    }

    [Fact]
    public async Task TableStorageDown_ManagementCallsGet503NotAccess()
    {
        var unreachable = new Dictionary<string, string?> { ["Storage:TableServiceUri"] = "http://127.0.0.1:1/devstoreaccount1", ["Storage:CreateTables"] = "false" };
        await using var app = new ModelGateFactory(await SharedAzurite.GetAsync(), await SharedKeyVault.GetAsync(), unreachable);
        var response = await app.ClientFor(TestUser.Owner()).GetAsync("/api/model-groups");
        await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "dependency_unavailable");
        var health = await (await app.CreateClient().GetAsync("/api/health")).AssertStatusAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("unhealthy", (string?)health["checks"]!["table_storage"]!["status"]);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheApi()
    {
        await using var app = await ModelGateFactory.StartAsync();
        var response = await app.CreateClient().GetAsync("/api/openapi.json");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("/api/model-groups", text);
        Assert.Contains("/api/settings", text);
    }
}
