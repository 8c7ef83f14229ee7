using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ModelGate.ApiKeys;
using ModelGate.Tests.Infrastructure;
using static ModelGate.Tests.ApiKeys.ApiKeyTestData;

namespace ModelGate.Tests.ApiKeys;

public sealed class ApiKeysApiTests(ApiKeysAppFixture fixture) : IClassFixture<ApiKeysAppFixture>, IDisposable
{
    private ModelGateFactory App => fixture.App;

    public void Dispose() => fixture.Reset();

    [Fact]
    public async Task Create_ShowsTheKeyOnce_AndNoListOrLogEverShowsItAgain()
    {
        var user = NewExternalUser("group-x");
        var client = await SignedInClientAsync(App, user);

        var response = await client.PostJsonAsync("/api/me/api-keys", new { name = "laptop" });
        var created = await response.AssertStatusAsync(HttpStatusCode.Created);
        var key = (string)created["key"]!;
        var id = (string)created["id"]!;

        Assert.True(ApiKeyText.TryParse(key, out var keyId));
        Assert.Equal(id, keyId.ToString());
        Assert.Equal("mg_" + id, (string?)created["prefix"]);
        Assert.StartsWith("mg_" + id + "_", key);
        Assert.Equal("laptop", (string?)created["name"]);
        Assert.Empty(created["deployments"]!.AsArray());
        Assert.True(response.Headers.CacheControl?.NoStore);

        var listText = await (await client.GetAsync("/api/me/api-keys")).Content.ReadAsStringAsync();
        var item = Assert.Single(JsonNode.Parse(listText)!["items"]!.AsArray())!;
        Assert.Equal(id, (string?)item["id"]);
        Assert.Equal("mg_" + id, (string?)item["prefix"]);
        Assert.Null(item["key"]);
        Assert.False((bool)item["revoked"]!);
        Assert.Equal("active", (string?)item["state"]);
        Assert.Null((string?)item["last_used_at"]);
        Assert.True(item.AsObject().ContainsKey("last_used_at"));
        Assert.DoesNotContain(SecretPartOf(key), listText);

        var admin = App.ClientFor(TestUser.Admin);
        var adminText = await (await admin.GetAsync($"/api/api-keys?user={Uri.EscapeDataString(user.Id)}")).Content.ReadAsStringAsync();
        Assert.Contains(id, adminText);
        Assert.DoesNotContain(SecretPartOf(key), adminText);

        Assert.NotEmpty(fixture.Logs.Entries);
        Assert.NotEmpty(fixture.Logs.Containing(id)); // the id may be logged, and is
        Assert.Empty(fixture.Logs.Containing(SecretPartOf(key)));
        Assert.Empty(fixture.Logs.Containing(Convert.ToBase64String(await StoredHmacAsync(id))));
    }

    [Fact]
    public async Task Create_KeepsNeitherTheKeyNorItsHmacInTheTable()
    {
        var (key, id, user) = await NewKeyAsync(App);
        var hmac = await StoredHmacAsync(id);

        var row = await fixture.ApiKeysTable.GetEntityIfExistsAsync(id, "key");

        Assert.NotNull(row);
        Assert.Equal(user.Id, row.GetString("UserId"));
        Assert.Equal("active", row.GetString("State"));
        var forbidden = new[] { key, SecretPartOf(key), Convert.ToBase64String(hmac), Convert.ToHexString(hmac), Convert.ToHexStringLower(hmac) };
        foreach (var (name, value) in row)
        {
            var text = value switch
            {
                byte[] bytes => Convert.ToBase64String(bytes),
                null => "",
                _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
            };
            foreach (var secret in forbidden) Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{name} holds secret material");
        }
    }

    [Fact]
    public async Task Create_StoresHmacOfTheKeyWithThePepperInKeyVault_UnderTheKeyId()
    {
        var (key, id, user) = await NewKeyAsync(App);
        var row = (await fixture.ApiKeysTable.GetEntityIfExistsAsync(id, "key"))!;

        var secret = (await fixture.Secrets.GetSecretAsync("apikey-" + id)).Value;
        var pepper = (await fixture.Secrets.GetSecretAsync(ApiKeySecrets.PepperName, row.GetString("PepperVersion"))).Value;

        var expected = HMACSHA256.HashData(Convert.FromBase64String(pepper.Value), Encoding.ASCII.GetBytes(key));
        Assert.Equal(Convert.ToBase64String(expected), secret.Value);
        Assert.Equal(32, Convert.FromBase64String(pepper.Value).Length);
        Assert.Equal(user.Id, secret.Properties.Tags["user"]);
        Assert.True(secret.Properties.Enabled);
    }

    [Fact]
    public async Task Create_WithoutExpiry_Expires90DaysLater()
    {
        var client = await SignedInClientAsync(App, NewExternalUser());
        var now = fixture.Clock.GetUtcNow();

        var created = await CreateKeyAsync(client);

        Assert.Equal(now.AddDays(90), created["expires_at"]!.GetValue<DateTimeOffset>(), TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Create_With365Days_ExpiresAYearLater()
    {
        var client = await SignedInClientAsync(App, NewExternalUser());
        var now = fixture.Clock.GetUtcNow();

        var created = await CreateKeyAsync(client, new { name = "long", expires_in_days = 365 });

        Assert.Equal(now.AddDays(365), created["expires_at"]!.GetValue<DateTimeOffset>(), TimeSpan.FromSeconds(1));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(366)]
    public async Task Create_ExpiryOutsideOneTo365Days_IsAValidationError(int days)
    {
        var client = await SignedInClientAsync(App, NewExternalUser());

        var response = await client.PostJsonAsync("/api/me/api-keys", new { name = "k", expires_in_days = days });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotNull(problem["errors"]!["expires_in_days"]);
    }

    [Fact]
    public async Task Create_WithoutNameOrWithUnknownField_IsRefused()
    {
        var client = await SignedInClientAsync(App, NewExternalUser());

        await (await client.PostJsonAsync("/api/me/api-keys", new { })).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await client.PostJsonAsync("/api/me/api-keys", new { name = "k", key = "mine" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "unknown_field");
    }

    [Fact]
    public async Task Create_WithoutASignInRecord_IsLoginRequired_AndWritesNothing()
    {
        var user = NewExternalUser("group-x");
        var client = App.ClientFor(user);

        var response = await client.PostJsonAsync("/api/me/api-keys", new { name = "k" });

        await response.AssertProblemAsync(HttpStatusCode.Forbidden, "login_required");
        var list = await (await client.GetAsync("/api/me/api-keys")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Empty(list["items"]!.AsArray());
    }

    [Fact]
    public async Task Create_ScopedToAGrantedDeployment_IsLimitedToIt()
    {
        var deployment = await CreateDeploymentAsync(App, "group-scope-ok");
        var client = await SignedInClientAsync(App, NewExternalUser("group-scope-ok"));

        var created = await CreateKeyAsync(client, new { name = "scoped", deployments = new[] { deployment, deployment } });

        Assert.Equal([deployment], created["deployments"]!.AsArray().Select(n => (string)n!).ToArray());
        var check = await fixture.Verifier.VerifyAsync((string)created["key"]!);
        Assert.True(check.IsValid);
        Assert.True(check.Key.IsScopedTo(deployment));
        Assert.False(check.Key.IsScopedTo("other"));
    }

    [Fact]
    public async Task Create_ScopedToDeploymentsNotGrantedOrMissing_IsKeyScope_NamingThem()
    {
        var granted = await CreateDeploymentAsync(App, "group-scope");
        var notGranted = await CreateDeploymentAsync(App, "another-group");
        var client = await SignedInClientAsync(App, NewExternalUser("group-scope"));

        var response = await client.PostJsonAsync("/api/me/api-keys", new { name = "k", deployments = new[] { granted, notGranted, "no-such-deployment" } });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "key_scope");
        var named = problem["errors"]!["deployments"]!.AsArray().Select(n => (string)n!).ToArray();
        Assert.Equal([notGranted, "no-such-deployment"], named);
        var list = await (await client.GetAsync("/api/me/api-keys")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Empty(list["items"]!.AsArray());
    }

    [Fact]
    public async Task Create_ScopeWithAnInvalidName_IsAValidationError()
    {
        var client = await SignedInClientAsync(App, NewExternalUser());

        var response = await client.PostJsonAsync("/api/me/api-keys", new { name = "k", deployments = new[] { "Not A Name" } });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotNull(problem["errors"]!["deployments[0]"]);
    }

    [Fact]
    public async Task Create_BeyondTheLimitOfLiveKeys_IsTooManyApiKeys()
    {
        var client = await SignedInClientAsync(App, NewExternalUser());
        var ids = new List<string>();
        for (var i = 0; i < ApiKeysAppFixture.MaxKeysPerUser; i++) ids.Add((string)(await CreateKeyAsync(client))["id"]!);

        await (await client.PostJsonAsync("/api/me/api-keys", new { name = "one too many" }))
            .AssertProblemAsync(HttpStatusCode.Conflict, "too_many_api_keys");

        await (await client.DeleteAsync($"/api/me/api-keys/{ids[0]}")).AssertStatusAsync(HttpStatusCode.NoContent);
        await CreateKeyAsync(client);
    }

    [Fact]
    public async Task List_ShowsOnlyTheCallersOwnKeys_AndPages()
    {
        var mine = await SignedInClientAsync(App, NewExternalUser());
        var theirs = await SignedInClientAsync(App, NewExternalUser());
        var myIds = new[] { (string)(await CreateKeyAsync(mine))["id"]!, (string)(await CreateKeyAsync(mine))["id"]! };
        var theirId = (string)(await CreateKeyAsync(theirs))["id"]!;

        var first = await (await mine.GetAsync("/api/me/api-keys?limit=1")).AssertStatusAsync(HttpStatusCode.OK);
        var continuation = (string)first["continuation"]!;
        var second = await (await mine.GetAsync($"/api/me/api-keys?limit=1&continuation={continuation}")).AssertStatusAsync(HttpStatusCode.OK);

        var listed = first["items"]!.AsArray().Concat(second["items"]!.AsArray()).Select(i => (string)i!["id"]!).ToArray();
        Assert.Equal(myIds.Order(StringComparer.Ordinal), listed);
        Assert.Null((string?)second["continuation"]);
        Assert.DoesNotContain(theirId, listed);
    }

    [Fact]
    public async Task Revoke_OwnKey_DisablesItsSecret_AndVerificationRefusesItAtOnce()
    {
        var user = NewExternalUser();
        var client = await SignedInClientAsync(App, user);
        var created = await CreateKeyAsync(client);
        var (key, id) = ((string)created["key"]!, (string)created["id"]!);
        Assert.True((await fixture.Verifier.VerifyAsync(key)).IsValid); // now cached on this instance

        await (await client.DeleteAsync($"/api/me/api-keys/{id}")).AssertStatusAsync(HttpStatusCode.NoContent);

        Assert.Equal(KeyCheckFailure.ApiKeyRevoked, (await fixture.Verifier.VerifyAsync(key)).Failure);
        Assert.Equal([false], await VersionsEnabledAsync(fixture.Secrets, "apikey-" + id));
        var item = (await (await client.GetAsync("/api/me/api-keys")).AssertStatusAsync(HttpStatusCode.OK))["items"]![0]!;
        Assert.True((bool)item["revoked"]!);
        Assert.Equal("revoked", (string?)item["state"]);
        Assert.NotNull((string?)item["revoked_at"]);

        // Again: nothing left to do, still 204.
        await (await client.DeleteAsync($"/api/me/api-keys/{id}")).AssertStatusAsync(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Revoke_SomeoneElsesKey_IsNotFound_AndTheKeyKeepsWorking()
    {
        var (key, id, _) = await NewKeyAsync(App);
        var other = await SignedInClientAsync(App, NewExternalUser());

        await (await other.DeleteAsync($"/api/me/api-keys/{id}")).AssertProblemAsync(HttpStatusCode.NotFound, "api_key_not_found");
        await (await other.DeleteAsync("/api/me/api-keys/not-a-key-id")).AssertProblemAsync(HttpStatusCode.NotFound, "api_key_not_found");

        Assert.True((await fixture.Verifier.VerifyAsync(key)).IsValid);
        Assert.Equal([true], await VersionsEnabledAsync(fixture.Secrets, "apikey-" + id));
    }

    [Fact]
    public async Task Admin_ListsAUsersKeys_AndRevokesAnyKey()
    {
        var (key, id, user) = await NewKeyAsync(App);
        var admin = App.ClientFor(TestUser.Admin);

        var list = await (await admin.GetAsync($"/api/api-keys?user={Uri.EscapeDataString(user.Id)}")).AssertStatusAsync(HttpStatusCode.OK);
        var item = Assert.Single(list["items"]!.AsArray())!;
        Assert.Equal(id, (string?)item["id"]);
        Assert.Equal(user.Id, (string?)item["user_id"]);

        await (await admin.DeleteAsync($"/api/api-keys/{id}")).AssertStatusAsync(HttpStatusCode.NoContent);

        Assert.Equal(KeyCheckFailure.ApiKeyRevoked, (await fixture.Verifier.VerifyAsync(key)).Failure);
        var all = await (await admin.GetAsync("/api/api-keys?limit=200")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Contains(all["items"]!.AsArray(), i => (string?)i!["id"] == id && (bool)i["revoked"]! && (string?)i["user_id"] == user.Id);
        await (await admin.DeleteAsync("/api/api-keys/zzzzzzzzzzzzzzzz")).AssertProblemAsync(HttpStatusCode.NotFound, "api_key_not_found");
    }

    [Fact]
    public async Task AdminEndpoints_ForANonAdmin_AreAdminOnly()
    {
        var (_, id, user) = await NewKeyAsync(App);
        var client = App.ClientFor(user);

        await (await client.GetAsync("/api/api-keys")).AssertProblemAsync(HttpStatusCode.Forbidden, "admin_only");
        await (await client.DeleteAsync($"/api/api-keys/{id}")).AssertProblemAsync(HttpStatusCode.Forbidden, "admin_only");
        await (await App.ClientFor(TestUser.Owner()).GetAsync("/api/api-keys")).AssertProblemAsync(HttpStatusCode.Forbidden, "admin_only");
    }

    [Fact]
    public async Task Endpoints_WithoutAToken_AreUnauthenticated()
    {
        var anonymous = App.CreateClient();

        await (await anonymous.PostJsonAsync("/api/me/api-keys", new { name = "k" })).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        await (await anonymous.GetAsync("/api/api-keys")).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task Use_IsRecordedAsLastUsedAt()
    {
        var user = NewExternalUser();
        var client = await SignedInClientAsync(App, user);
        var created = await CreateKeyAsync(client);
        var usedAt = fixture.Clock.GetUtcNow();

        Assert.True((await fixture.Verifier.VerifyAsync((string)created["key"]!)).IsValid);

        JsonNode? lastUsed = null;
        for (var attempt = 0; attempt < 50 && lastUsed is null; attempt++)
        {
            await Task.Delay(100);
            var list = await (await client.GetAsync("/api/me/api-keys")).AssertStatusAsync(HttpStatusCode.OK);
            lastUsed = list["items"]![0]!["last_used_at"];
        }
        Assert.NotNull(lastUsed);
        Assert.Equal(usedAt, lastUsed.GetValue<DateTimeOffset>(), TimeSpan.FromSeconds(1));
    }

    private async Task<byte[]> StoredHmacAsync(string id) =>
        Convert.FromBase64String((await fixture.Secrets.GetSecretAsync("apikey-" + id)).Value.Value);
}
