using System.Net;
using System.Text.Json.Nodes;
using Azure.Security.KeyVault.Secrets;
using ModelGate.ApiKeys;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.ApiKeys;

/// <summary>People, deployments and keys for API key tests, made through the public API.</summary>
public static class ApiKeyTestData
{
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>A person with no ModelGate role, in the given groups, unique to the calling test.</summary>
    public static TestUser NewExternalUser(params string[] groups) =>
        new("ext-" + Guid.NewGuid().ToString("N")[..12], "Eve External", [], groups);

    /// <summary>A client for <paramref name="user"/> that has recorded a sign-in.</summary>
    public static async Task<HttpClient> SignedInClientAsync(ModelGateFactory app, TestUser user)
    {
        var client = app.ClientFor(user);
        await (await client.PostAsync("/api/me/login", null)).AssertStatusAsync(HttpStatusCode.OK);
        return client;
    }

    /// <summary>A chat deployment (with its model group and model, made by an admin), granted to <paramref name="groups"/>.</summary>
    public static async Task<string> CreateDeploymentAsync(ModelGateFactory app, params string[] groups)
    {
        var admin = app.ClientFor(TestUser.Admin);
        var groupId = await admin.CreateGroupAsync(new { name = Http.UniqueName() });
        var model = await (await admin.PostJsonAsync($"/api/model-groups/{groupId}/models", new { name = "model" }))
            .AssertStatusAsync(HttpStatusCode.Created);
        var name = "d-" + Guid.NewGuid().ToString("N")[..12];
        await (await admin.PostJsonAsync("/api/deployments", new
        {
            name,
            model_id = (string)model["model_id"]!,
            kind = "chat",
            upstream_url = "http://127.0.0.1:9/",
        })).AssertStatusAsync(HttpStatusCode.Created);
        if (groups.Length > 0)
            await (await admin.PatchJsonAsync($"/api/deployments/{name}/external-access", new { add = groups }))
                .AssertStatusAsync(HttpStatusCode.OK);
        return name;
    }

    public static async Task<JsonNode> CreateKeyAsync(HttpClient client, object? body = null) =>
        await (await client.PostJsonAsync("/api/me/api-keys", body ?? new { name = "test key" })).AssertStatusAsync(HttpStatusCode.Created);

    /// <summary>A key for a new external user, created through the API; returns the key text and its id.</summary>
    public static async Task<(string Key, string Id, TestUser User)> NewKeyAsync(ModelGateFactory app, object? body = null)
    {
        var user = NewExternalUser("group-x");
        var created = await CreateKeyAsync(await SignedInClientAsync(app, user), body);
        return ((string)created["key"]!, (string)created["id"]!, user);
    }

    /// <summary>The key with another secret and a correct checksum: well formed, so only the HMAC can refuse it.</summary>
    public static string WithSecret(string key, string secret)
    {
        Assert.Equal(ApiKeyText.SecretLength, secret.Length);
        var body = key[..(ApiKeyText.Length - ApiKeyText.SecretLength - ApiKeyText.ChecksumLength)] + secret;
        return body + Checksum(body);
    }

    /// <summary>A well-formed key with a correct checksum for an id that was never issued.</summary>
    public static string Unissued()
    {
        var body = "mg_" + new string('z', ApiKeyText.KeyIdLength) + "_" + RandomSecret();
        return body + Checksum(body);
    }

    public static string RandomSecret() => new(Enumerable.Range(0, ApiKeyText.SecretLength).Select(_ => Base62[Random.Shared.Next(62)]).ToArray());

    public static string SecretPartOf(string key) => key.Substring(ApiKeyText.Length - ApiKeyText.SecretLength - ApiKeyText.ChecksumLength, ApiKeyText.SecretLength);

    /// <summary>Names of the vault's key secrets (apikey-*), read through the app's client.</summary>
    public static async Task<HashSet<string>> KeySecretNamesAsync(SecretClient secrets)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var properties in secrets.GetPropertiesOfSecretsAsync())
            if (properties.Name.StartsWith(ApiKeySecrets.KeySecretPrefix, StringComparison.Ordinal)) names.Add(properties.Name);
        return names;
    }

    /// <summary>Whether each version of a secret is enabled, oldest first.</summary>
    public static async Task<List<bool>> VersionsEnabledAsync(SecretClient secrets, string name)
    {
        var enabled = new List<bool>();
        await foreach (var properties in secrets.GetPropertiesOfSecretVersionsAsync(name))
            enabled.Add(properties.Enabled ?? true);
        return enabled;
    }

    // Written independently of the app's code: CRC-32 through the tests' own table-free loop, then base62.
    private static string Checksum(string text)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var c in text)
        {
            crc ^= (byte)c;
            for (var bit = 0; bit < 8; bit++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        ulong value = ~crc;
        var digits = new char[ApiKeyText.ChecksumLength];
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            digits[i] = Base62[(int)(value % 62)];
            value /= 62;
        }
        return new string(digits);
    }
}
