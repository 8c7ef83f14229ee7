using System.Net;
using System.Text.Json.Nodes;

namespace ModelGate.Tests.Infrastructure;

/// <summary>Builds the catalog a test needs (group → model → deployment) through the public API.</summary>
public static class CatalogSetup
{
    public static async Task<(string GroupId, string ModelId)> CreateModelAsync(this HttpClient client, string accessMode = "public",
        string[]? backendRoles = null)
    {
        var groupId = await client.CreateGroupAsync(backendRoles is null
            ? new { name = Http.UniqueName(), access_mode = accessMode }
            : new { name = Http.UniqueName(), access_mode = accessMode, backend_roles = backendRoles });
        var model = await (await client.PostJsonAsync($"/api/model-groups/{groupId}/models", new { name = "model-" + Guid.NewGuid().ToString("N")[..8] }))
            .AssertStatusAsync(HttpStatusCode.Created);
        return (groupId, (string)model["model_id"]!);
    }

    public static string UniqueDeploymentName(string prefix = "dep") => $"{prefix}-{Guid.NewGuid():N}"[..24];

    public static async Task<JsonNode> CreateDeploymentAsync(this HttpClient client, string name, string modelId, string kind = "chat",
        string upstreamUrl = "http://127.0.0.1:9/")
    {
        var response = await client.PostJsonAsync("/api/deployments", new { name, model_id = modelId, kind, upstream_url = upstreamUrl });
        return await response.AssertStatusAsync(HttpStatusCode.Created);
    }

    public static async Task GrantAsync(this HttpClient client, string deployment, params string[] groups) =>
        await (await client.PatchJsonAsync($"/api/deployments/{deployment}/external-access", new { add = groups })).AssertStatusAsync(HttpStatusCode.OK);

    public static async Task<JsonNode> SignInAsync(this HttpClient client) =>
        await (await client.PostAsync("/api/me/login", null)).AssertStatusAsync(HttpStatusCode.OK);
}
