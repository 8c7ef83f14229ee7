using System.Diagnostics;
using System.Net;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Security.KeyVault.Secrets;
using ModelGate.DevHost.KeyVault;

namespace ModelGate.Tests.DevHost;

public sealed class KeyVaultFakeTests
{
    private const string TenantId = "0b3a4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d";

    [Fact]
    public async Task SetSecret_ThenGetSecret_ReturnsValueAndProperties()
    {
        await using var fake = await StartAsync();
        var client = fake.CreateClient(new FixedTokenCredential());

        var set = await client.SetSecretAsync(new KeyVaultSecret("api-key-1", "hmac-value")
        {
            Properties = { ContentType = "application/octet-stream", Tags = { ["keyId"] = "1" } },
        });
        KeyVaultSecret got = await client.GetSecretAsync("api-key-1");

        Assert.Equal("hmac-value", got.Value);
        Assert.Equal(set.Value.Properties.Version, got.Properties.Version);
        Assert.Matches("^[0-9a-f]{32}$", got.Properties.Version);
        Assert.Equal(new Uri(fake.VaultUri, $"secrets/api-key-1/{got.Properties.Version}"), got.Id);
        Assert.Equal("application/octet-stream", got.Properties.ContentType);
        Assert.Equal("1", got.Properties.Tags["keyId"]);
        Assert.True(got.Properties.Enabled);
        Assert.NotNull(got.Properties.CreatedOn);
        Assert.Equal("Recoverable", got.Properties.RecoveryLevel);
        Assert.Equal(90, got.Properties.RecoverableDays);
    }

    [Fact]
    public async Task SetSecret_Twice_KeepsBothVersionsReadableByVersion()
    {
        await using var fake = await StartAsync();
        var client = fake.CreateClient(new FixedTokenCredential());

        KeyVaultSecret first = await client.SetSecretAsync("pepper", "one");
        KeyVaultSecret second = await client.SetSecretAsync("pepper", "two");
        var versions = new List<string>();
        await foreach (var properties in client.GetPropertiesOfSecretVersionsAsync("pepper"))
        {
            versions.Add(properties.Version);
        }

        Assert.NotEqual(first.Properties.Version, second.Properties.Version);
        Assert.Equal([first.Properties.Version, second.Properties.Version], versions);
        Assert.Equal("one", (await client.GetSecretAsync("pepper", first.Properties.Version)).Value.Value);
        Assert.Equal("two", (await client.GetSecretAsync("pepper")).Value.Value);
    }

    [Fact]
    public async Task UpdateSecretProperties_ChangesTagsContentTypeAndExpiry()
    {
        await using var fake = await StartAsync();
        var client = fake.CreateClient(new FixedTokenCredential());
        KeyVaultSecret secret = await client.SetSecretAsync("api-key-2", "hmac");
        var expires = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddDays(90).ToUnixTimeSeconds());

        secret.Properties.ContentType = "text/plain";
        secret.Properties.ExpiresOn = expires;
        secret.Properties.Tags["scope"] = "chat";
        SecretProperties updated = await client.UpdateSecretPropertiesAsync(secret.Properties);
        KeyVaultSecret got = await client.GetSecretAsync("api-key-2");

        Assert.Equal(secret.Properties.Version, updated.Version);
        Assert.Equal("text/plain", got.Properties.ContentType);
        Assert.Equal(expires, got.Properties.ExpiresOn);
        Assert.Equal("chat", got.Properties.Tags["scope"]);
        Assert.Equal("hmac", got.Value);
        Assert.Equal(1, fake.Counters.Update);
    }

    [Fact]
    public async Task GetSecret_AfterDisablingLatestVersion_Throws403SecretDisabled()
    {
        await using var fake = await StartAsync();
        var client = fake.CreateClient(new FixedTokenCredential());
        KeyVaultSecret secret = await client.SetSecretAsync("api-key-3", "hmac");

        secret.Properties.Enabled = false;
        SecretProperties disabled = await client.UpdateSecretPropertiesAsync(secret.Properties);
        var error = await Assert.ThrowsAsync<RequestFailedException>(() => client.GetSecretAsync("api-key-3"));

        Assert.False(disabled.Enabled);
        Assert.Equal(403, error.Status);
        Assert.Equal("Forbidden", error.ErrorCode);
        Assert.Contains("SecretDisabled", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FirstRequest_OfNewClient_IsChallengedAndThenSucceedsWithToken()
    {
        await using var fake = await StartAsync();
        var credential = new FixedTokenCredential();
        var client = fake.CreateClient(credential);

        await client.SetSecretAsync("first", "value");
        KeyVaultSecret got = await client.GetSecretAsync("first");

        Assert.Equal("value", got.Value);
        Assert.Equal(1, fake.Counters.Unauthorized);
        Assert.Equal(1, fake.Counters.Set);
        Assert.Equal(1, fake.Counters.Get);
        var asked = Assert.NotNull(credential.LastContext);
        Assert.Equal(["https://vault.azure.net/.default"], asked.Scopes);
        Assert.Equal(TenantId, asked.TenantId);
    }

    [Fact]
    public async Task GetPropertiesOfSecrets_WithMoreSecretsThanAPage_ReturnsAllAcrossPages()
    {
        await using var fake = await StartAsync(new KeyVaultFakeOptions { TenantId = TenantId, DefaultPageSize = 7 });
        var client = fake.CreateClient(new FixedTokenCredential());
        var expected = Enumerable.Range(0, 30).Select(i => $"key-{i:D2}").ToList();
        foreach (var name in expected)
        {
            await client.SetSecretAsync(name, "v");
        }

        await client.StartDeleteSecretAsync("key-29");
        fake.Counters.Reset();
        var pages = 0;
        var names = new List<string>();
        await foreach (var page in client.GetPropertiesOfSecretsAsync().AsPages())
        {
            pages++;
            names.AddRange(page.Values.Select(p => p.Name));
        }

        Assert.Equal(expected[..29], names);
        Assert.Equal(5, pages);
        Assert.Equal(5, fake.Counters.List);
    }

    [Fact]
    public async Task ListSecrets_WithMaxResults_AnswersNextLinkAsFullUrl()
    {
        await using var fake = await StartAsync();
        var client = fake.CreateClient(new FixedTokenCredential());
        for (var i = 0; i < 3; i++)
        {
            await client.SetSecretAsync($"s{i}", "v");
        }

        using var http = CreateHttpClient(fake);
        using var first = await SendAsync(http, fake, HttpMethod.Get, "secrets?api-version=7.6&maxresults=2");
        using var firstPage = JsonDocument.Parse(await first.Content.ReadAsStringAsync());
        var nextLink = firstPage.RootElement.GetProperty("nextLink").GetString();
        using var second = await SendAsync(http, fake, HttpMethod.Get, nextLink!);
        using var secondPage = JsonDocument.Parse(await second.Content.ReadAsStringAsync());

        Assert.Equal(2, firstPage.RootElement.GetProperty("value").GetArrayLength());
        Assert.StartsWith($"{fake.VaultUri}secrets?api-version=7.6&$skiptoken=", nextLink, StringComparison.Ordinal);
        Assert.Equal($"{fake.VaultUri}secrets/s2", secondPage.RootElement.GetProperty("value")[0].GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Null, secondPage.RootElement.GetProperty("nextLink").ValueKind);
    }

    [Theory]
    [InlineData("has_underscore")]
    [InlineData("has space")]
    public async Task SetSecret_WithInvalidName_Throws400BadParameter(string name)
    {
        await using var fake = await StartAsync();
        var client = fake.CreateClient(new FixedTokenCredential());

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => client.SetSecretAsync(name, "v"));

        Assert.Equal(400, error.Status);
        Assert.Equal("BadParameter", error.ErrorCode);
    }

    [Fact]
    public async Task SetSecret_WithValueOver25KB_Throws400BadParameter()
    {
        await using var fake = await StartAsync();
        var client = fake.CreateClient(new FixedTokenCredential());

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => client.SetSecretAsync("big", new string('x', (25 * 1024) + 1)));

        Assert.Equal(400, error.Status);
        Assert.Equal("BadParameter", error.ErrorCode);
    }

    [Fact]
    public async Task SetSecret_OnSoftDeletedName_Throws409Conflict()
    {
        await using var fake = await StartAsync();
        var client = fake.CreateClient(new FixedTokenCredential());
        await client.SetSecretAsync("revoked", "v");

        var deletion = await client.StartDeleteSecretAsync("revoked");
        DeletedSecret deleted = await deletion.WaitForCompletionAsync();
        var notFound = await Assert.ThrowsAsync<RequestFailedException>(() => client.GetSecretAsync("revoked"));
        var conflict = await Assert.ThrowsAsync<RequestFailedException>(() => client.SetSecretAsync("revoked", "again"));

        Assert.Equal(new Uri(fake.VaultUri, "deletedsecrets/revoked"), deleted.RecoveryId);
        Assert.NotNull(deleted.ScheduledPurgeDate);
        Assert.Equal(404, notFound.Status);
        Assert.Equal("SecretNotFound", notFound.ErrorCode);
        Assert.Equal(409, conflict.Status);
        Assert.Equal("Conflict", conflict.ErrorCode);
        Assert.Contains("deleted but recoverable", conflict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetSecret_WhenThrottledOnce_RetriesAfterRetryAfterAndSucceeds()
    {
        await using var fake = await StartAsync();
        var client = fake.CreateClient(new FixedTokenCredential());
        fake.Faults.ThrottleNext(1, TimeSpan.FromSeconds(1));

        var clock = Stopwatch.StartNew();
        KeyVaultSecret set = await client.SetSecretAsync("throttled", "v");
        clock.Stop();

        Assert.Equal("v", set.Value);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(950), $"retried after {clock.Elapsed}");
        Assert.Equal(2, fake.Counters.Set);
    }

    [Fact]
    public async Task GetSecret_WithLatency_AnswersNoSoonerThanTheLatency()
    {
        await using var fake = await StartAsync();
        var client = fake.CreateClient(new FixedTokenCredential());
        await client.SetSecretAsync("slow", "v");
        fake.Faults.Latency = TimeSpan.FromMilliseconds(150);

        var clock = Stopwatch.StartNew();
        await client.GetSecretAsync("slow");
        clock.Stop();

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(140), $"answered after {clock.Elapsed}");
    }

    [Fact]
    public async Task GetSecret_WhenUnavailable_Throws503AfterRetries()
    {
        await using var fake = await StartAsync();
        var options = fake.CreateClientOptions();
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        var client = new SecretClient(fake.VaultUri, new FixedTokenCredential(), options);
        fake.Faults.UnavailableRetryAfter = TimeSpan.FromMilliseconds(20);
        fake.Faults.Unavailable = true;

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => client.GetSecretAsync("any"));

        Assert.Equal(503, error.Status);
        Assert.Equal(3, fake.Counters.Get);
    }

    [Fact]
    public async Task State_WithStatePath_SurvivesRestartOfTheFake()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"modelgate-kv-{Guid.NewGuid():N}");
        var statePath = Path.Combine(directory, "keyvault.json");
        try
        {
            var options = new KeyVaultFakeOptions { TenantId = TenantId, StatePath = statePath };
            await using (var before = await KeyVaultFake.StartAsync(options))
            {
                var client = before.CreateClient(new FixedTokenCredential());
                await client.SetSecretAsync("kept", "value-1");
                KeyVaultSecret revoked = await client.SetSecretAsync("revoked", "value-2");
                revoked.Properties.Enabled = false;
                await client.UpdateSecretPropertiesAsync(revoked.Properties);
            }

            await using var after = await KeyVaultFake.StartAsync(options);
            var restarted = after.CreateClient(new FixedTokenCredential());
            KeyVaultSecret kept = await restarted.GetSecretAsync("kept");
            var disabled = await Assert.ThrowsAsync<RequestFailedException>(() => restarted.GetSecretAsync("revoked"));

            Assert.Equal("value-1", kept.Value);
            Assert.Equal(403, disabled.Status);
            Assert.False(File.Exists(statePath + ".tmp"));
        }
        finally
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Client_TrustingAnotherFakesCertificate_RefusesTheVault()
    {
        await using var vault = await StartAsync();
        await using var other = await StartAsync();
        var options = other.CreateClientOptions();
        options.Retry.MaxRetries = 0;
        var client = new SecretClient(vault.VaultUri, new FixedTokenCredential(), options);

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => client.GetSecretAsync("any"));

        Assert.Equal(0, error.Status);
        Assert.IsType<AuthenticationException>(error.InnerException?.InnerException);
        Assert.Equal(0, vault.Counters.Total);
    }

    [Fact]
    public async Task Request_WithoutApiVersion_Returns400()
    {
        await using var fake = await StartAsync();
        using var http = CreateHttpClient(fake);

        using var response = await SendAsync(http, fake, HttpMethod.Get, "secrets/x");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("BadParameter", await ErrorCodeAsync(response));
    }

    [Fact]
    public async Task Request_WithoutBearerToken_Returns401ChallengeNamingTenantAndResource()
    {
        await using var fake = await StartAsync();
        using var http = CreateHttpClient(fake);

        using var response = await SendAsync(http, fake, HttpMethod.Get, "secrets/x?api-version=7.6", token: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(
            $"Bearer authorization=\"https://login.microsoftonline.com/{TenantId}\", resource=\"https://vault.azure.net\"",
            response.Headers.WwwAuthenticate.ToString());
        Assert.Equal(1, fake.Counters.Unauthorized);
        Assert.Equal(0, fake.Counters.Get);
    }

    [Fact]
    public async Task UpdateSecret_WithEmptyVersionSegment_ChangesLatestVersion()
    {
        await using var fake = await StartAsync();
        var client = fake.CreateClient(new FixedTokenCredential());
        await client.SetSecretAsync("latest", "old");
        KeyVaultSecret latest = await client.SetSecretAsync("latest", "new");
        using var http = CreateHttpClient(fake);

        using var response = await SendAsync(
            http, fake, HttpMethod.Patch, "secrets/latest/?api-version=7.6", "{\"attributes\":{\"enabled\":false},\"tags\":{\"state\":\"revoked\"}}");
        using var bundle = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(latest.Id.AbsoluteUri, bundle.RootElement.GetProperty("id").GetString());
        Assert.False(bundle.RootElement.TryGetProperty("value", out _));
        Assert.False(bundle.RootElement.GetProperty("attributes").GetProperty("enabled").GetBoolean());
        Assert.Equal("revoked", bundle.RootElement.GetProperty("tags").GetProperty("state").GetString());
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("")]
    [InlineData("[1]")]
    [InlineData("{\"value\":42}")]
    [InlineData("{\"value\":\"v\",\"attributes\":{\"exp\":\"soon\"}}")]
    [InlineData("{\"value\":\"v\",\"tags\":{\"a\":1}}")]
    public async Task SetSecret_WithMalformedBody_Returns400BadParameter(string body)
    {
        await using var fake = await StartAsync();
        using var http = CreateHttpClient(fake);

        using var response = await SendAsync(http, fake, HttpMethod.Put, "secrets/x?api-version=7.6", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("BadParameter", await ErrorCodeAsync(response));
    }

    [Theory]
    [InlineData("GET", "keys/x?api-version=7.6")]
    [InlineData("POST", "secrets/x?api-version=7.6")]
    [InlineData("GET", "secrets/x/0123/extra?api-version=7.6")]
    public async Task UnknownRoute_Returns404JsonError(string method, string pathAndQuery)
    {
        await using var fake = await StartAsync();
        using var http = CreateHttpClient(fake);

        using var response = await SendAsync(http, fake, new HttpMethod(method), pathAndQuery);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("NotFound", await ErrorCodeAsync(response));
    }

    private static Task<KeyVaultFake> StartAsync(KeyVaultFakeOptions? options = null) =>
        KeyVaultFake.StartAsync(options ?? new KeyVaultFakeOptions { TenantId = TenantId });

    private static HttpClient CreateHttpClient(KeyVaultFake fake) =>
        new(KeyVaultFake.CreateTrustingHandler(fake.CertificateSha256)) { BaseAddress = fake.VaultUri };

    private static Task<HttpResponseMessage> SendAsync(
        HttpClient http, KeyVaultFake fake, HttpMethod method, string pathAndQuery, string? body = null, string? token = "test-token")
    {
        var request = new HttpRequestMessage(method, new Uri(fake.VaultUri, pathAndQuery));
        if (token is not null)
        {
            request.Headers.Authorization = new("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return http.SendAsync(request);
    }

    private static async Task<string?> ErrorCodeAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("error").GetProperty("code").GetString();
    }

    /// <summary>A credential that hands out one fixed token and remembers what it was asked for.</summary>
    private sealed class FixedTokenCredential : TokenCredential
    {
        public TokenRequestContext? LastContext { get; private set; }

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            LastContext = requestContext;
            return new AccessToken("test-token", DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
