using System.Diagnostics;
using System.Net;
using ModelGate.ApiKeys;
using ModelGate.DevHost.KeyVault;
using ModelGate.Tests.Infrastructure;
using static ModelGate.Tests.ApiKeys.ApiKeyTestData;

namespace ModelGate.Tests.ApiKeys;

/// <summary>Key Vault and Table Storage failing part-way through: 503, and never a usable or forgotten half.</summary>
public sealed class ApiKeyFaultTests(ApiKeysAppFixture fixture) : IClassFixture<ApiKeysAppFixture>, IDisposable
{
    private ModelGateFactory App => fixture.App;
    private KeyVaultFaults Faults => fixture.Vault.Faults;

    public void Dispose() => fixture.Reset();

    [Fact]
    public async Task Create_WhenKeyVaultRefusesTheSecret_Answers503_AndLeavesNoRecordAndNoSecret()
    {
        var client = await SignedInClientAsync(App, NewExternalUser());
        await CreateKeyAsync(client); // the pepper is now known, so the secret write is the vault call that fails
        var secretsBefore = await KeySecretNamesAsync(fixture.Secrets);
        var (sets, listBefore) = (fixture.Vault.Counters.Set, await ListAsync(client));
        Faults.UnavailableRetryAfter = TimeSpan.FromMilliseconds(20);
        Faults.Unavailable = true;

        var response = await client.PostJsonAsync("/api/me/api-keys", new { name = "during outage" });

        await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "dependency_unavailable");
        Assert.True(fixture.Vault.Counters.Set > sets);
        Faults.Reset();
        Assert.Equal(listBefore, await ListAsync(client));
        Assert.Equal(secretsBefore, await KeySecretNamesAsync(fixture.Secrets));
    }

    [Fact]
    public async Task Create_WhenKeyVaultCannotGiveThePepper_Answers503_AndWritesNothing()
    {
        await using var vault = await KeyVaultFake.StartAsync(new KeyVaultFakeOptions());
        await using var app = new ModelGateFactory(await SharedAzurite.GetAsync(), vault);
        var client = await SignedInClientAsync(app, NewExternalUser());
        vault.Faults.UnavailableRetryAfter = TimeSpan.FromMilliseconds(20);
        vault.Faults.Unavailable = true;

        var response = await client.PostJsonAsync("/api/me/api-keys", new { name = "k" });

        await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "dependency_unavailable");
        Assert.Equal(0, vault.Counters.Set);
        vault.Faults.Reset();
        Assert.Empty(await ListAsync(client));
    }

    [Fact]
    public async Task Create_WhenActivatingTheRecordFails_Answers503_AndLeavesNoRecordAndOnlyADisabledSecret()
    {
        var client = await SignedInClientAsync(App, NewExternalUser());
        var secretsBefore = await KeySecretNamesAsync(fixture.Secrets);
        fixture.Table.FailWhen = request => TableTraffic.IsEntityWrite(request, "ApiKeys", "PUT");

        var response = await client.PostJsonAsync("/api/me/api-keys", new { name = "k" });

        await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "dependency_unavailable");
        fixture.Table.FailWhen = null;
        Assert.Empty(await ListAsync(client));
        var left = Assert.Single((await KeySecretNamesAsync(fixture.Secrets)).Except(secretsBefore));
        Assert.Equal([false], await VersionsEnabledAsync(fixture.Secrets, left));
    }

    [Fact]
    public async Task Create_WhenActivationAndCleanUpFail_LeavesAPendingRecord_ThatNeverVerifies_AndRevokingItDisablesTheSecret()
    {
        var client = await SignedInClientAsync(App, NewExternalUser());
        await CreateKeyAsync(client);
        var secretsBefore = await KeySecretNamesAsync(fixture.Secrets);
        // The store fails to activate the record, and by then the vault is down too, so the secret stays enabled.
        fixture.Table.FailWhen = request =>
        {
            if (!TableTraffic.IsEntityWrite(request, "ApiKeys", "PUT")) return false;
            Faults.UnavailableRetryAfter = TimeSpan.FromMilliseconds(20);
            Faults.Unavailable = true;
            return true;
        };

        var response = await client.PostJsonAsync("/api/me/api-keys", new { name = "k" });

        await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "dependency_unavailable");
        fixture.Reset();
        var orphan = Assert.Single((await KeySecretNamesAsync(fixture.Secrets)).Except(secretsBefore));
        Assert.Equal([true], await VersionsEnabledAsync(fixture.Secrets, orphan));
        var list = await (await client.GetAsync("/api/me/api-keys")).AssertStatusAsync(HttpStatusCode.OK);
        var pending = Assert.Single(list["items"]!.AsArray(), i => (string?)i!["state"] == "pending")!;
        var id = (string)pending["id"]!;
        Assert.Equal("apikey-" + id, orphan);
        Assert.False((bool)pending["revoked"]!);

        await (await client.DeleteAsync($"/api/me/api-keys/{id}")).AssertStatusAsync(HttpStatusCode.NoContent);

        Assert.Equal([false], await VersionsEnabledAsync(fixture.Secrets, orphan));
        var revoked = await (await client.GetAsync("/api/me/api-keys")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Contains(revoked["items"]!.AsArray(), i => (string?)i!["id"] == id && (bool)i["revoked"]!);
    }

    [Fact]
    public async Task Create_WhenKeyVaultThrottlesOnce_SucceedsAfterRetryAfter()
    {
        var client = await SignedInClientAsync(App, NewExternalUser());
        await CreateKeyAsync(client);
        var sets = fixture.Vault.Counters.Set;
        Faults.ThrottleNext(1, TimeSpan.FromMilliseconds(500));
        var started = Stopwatch.GetTimestamp();

        var created = await CreateKeyAsync(client);

        Assert.True(Stopwatch.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(450));
        Assert.Equal(sets + 2, fixture.Vault.Counters.Set);
        Assert.True((await fixture.Verifier.VerifyAsync((string)created["key"]!)).IsValid);
    }

    [Fact]
    public async Task Create_WhenTableStorageIsDown_Answers503_AndTouchesNoSecret()
    {
        var client = await SignedInClientAsync(App, NewExternalUser());
        await CreateKeyAsync(client);
        var sets = fixture.Vault.Counters.Set;
        fixture.Table.FailWhen = request => request.Uri.Path.Contains("ApiKeys", StringComparison.Ordinal);

        var response = await client.PostJsonAsync("/api/me/api-keys", new { name = "k" });

        await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "dependency_unavailable");
        Assert.Equal(sets, fixture.Vault.Counters.Set);
    }

    [Fact]
    public async Task Revoke_WhenKeyVaultIsDown_Answers503_AndTheKeyStaysActive()
    {
        var user = NewExternalUser();
        var client = await SignedInClientAsync(App, user);
        var created = await CreateKeyAsync(client);
        var (key, id) = ((string)created["key"]!, (string)created["id"]!);
        Faults.UnavailableRetryAfter = TimeSpan.FromMilliseconds(20);
        Faults.Unavailable = true;

        var response = await client.DeleteAsync($"/api/me/api-keys/{id}");

        await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "dependency_unavailable");
        Faults.Reset();
        var item = (await (await client.GetAsync("/api/me/api-keys")).AssertStatusAsync(HttpStatusCode.OK))["items"]![0]!;
        Assert.Equal("active", (string?)item["state"]);
        Assert.True((await fixture.Verifier.VerifyAsync(key)).IsValid);

        await (await client.DeleteAsync($"/api/me/api-keys/{id}")).AssertStatusAsync(HttpStatusCode.NoContent);
        Assert.Equal(KeyCheckFailure.ApiKeyRevoked, (await fixture.Verifier.VerifyAsync(key)).Failure);
    }

    [Fact]
    public async Task Revoke_WhenMarkingTheRecordFails_Answers503_ButTheKeyIsAlreadyRefusedHere()
    {
        var client = await SignedInClientAsync(App, NewExternalUser());
        var created = await CreateKeyAsync(client);
        var (key, id) = ((string)created["key"]!, (string)created["id"]!);
        Assert.True((await fixture.Verifier.VerifyAsync(key)).IsValid);
        fixture.Table.FailWhen = request => TableTraffic.IsEntityWrite(request, "ApiKeys", "PUT");

        var response = await client.DeleteAsync($"/api/me/api-keys/{id}");

        await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "dependency_unavailable");
        Assert.Equal(KeyCheckFailure.ApiKeyRevoked, (await fixture.Verifier.VerifyAsync(key)).Failure);
        Assert.Equal([false], await VersionsEnabledAsync(fixture.Secrets, "apikey-" + id));
        fixture.Table.FailWhen = null;

        // Retrying finishes the record.
        await (await client.DeleteAsync($"/api/me/api-keys/{id}")).AssertStatusAsync(HttpStatusCode.NoContent);
        var item = (await (await client.GetAsync("/api/me/api-keys")).AssertStatusAsync(HttpStatusCode.OK))["items"]![0]!;
        Assert.Equal("revoked", (string?)item["state"]);
    }

    private static async Task<List<string>> ListAsync(HttpClient client)
    {
        var list = await (await client.GetAsync("/api/me/api-keys")).AssertStatusAsync(HttpStatusCode.OK);
        return list["items"]!.AsArray().Select(i => $"{i!["id"]}:{i["state"]}").ToList();
    }
}
