using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ModelGate.Identity;

namespace ModelGate.DevHost;

/// <summary>
/// Makes sure the local run has something to call: a public model group with a chat and a predict model,
/// deployed on the demo model server and granted to the group "demo-external-users". Done through the
/// public API as an admin, every start (the demo server's port changes, so the upstream is updated).
/// </summary>
public static class DemoCatalog
{
    public const string ExternalGroup = "demo-external-users";
    public const string ChatDeployment = "demo-chat";
    public const string PredictDeployment = "demo-predict";
    private const string GroupName = "demo-models";

    public static async Task EnsureAsync(Uri gateway, DevelopmentIssuer issuer, Uri demoModel, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = gateway };
        var token = issuer.CreateToken(DevelopmentIssuer.DefaultTenantId, "modelgate-demo-admin", "Demo Admin", [], [Roles.Admin], TimeSpan.FromMinutes(5));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var groupId = await FindGroupAsync(http, cancellationToken);
        if (groupId is null)
        {
            var created = await Send(http, HttpMethod.Post, "/api/model-groups",
                new { name = GroupName, description = "Demo models served by the local demo model server", access_mode = "public" }, cancellationToken);
            groupId = (string)created!["model_group_id"]!;
        }
        foreach (var (deployment, kind) in new[] { (ChatDeployment, "chat"), (PredictDeployment, "predict") })
        {
            var existing = await http.GetAsync($"/api/deployments/{deployment}", cancellationToken);
            if (existing.StatusCode == HttpStatusCode.NotFound)
            {
                var model = await Send(http, HttpMethod.Post, $"/api/model-groups/{groupId}/models", new { name = deployment + "-model" }, cancellationToken);
                await Send(http, HttpMethod.Post, "/api/deployments", new
                {
                    name = deployment, model_id = (string)model!["model_id"]!, kind, upstream_url = demoModel.AbsoluteUri,
                    description = $"Demo {kind} model", price_per_call = 0.001m,
                }, cancellationToken);
            }
            else
            {
                existing.EnsureSuccessStatusCode();
                await Send(http, HttpMethod.Patch, $"/api/deployments/{deployment}", new { upstream_url = demoModel.AbsoluteUri }, cancellationToken);
            }
            await Send(http, HttpMethod.Patch, $"/api/deployments/{deployment}/external-access", new { add = new[] { ExternalGroup } }, cancellationToken);
        }
    }

    private static async Task<string?> FindGroupAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var list = await http.GetFromJsonAsync<JsonObject>($"/api/model-groups?name={GroupName}", cancellationToken);
        return (string?)list?["items"]?.AsArray().FirstOrDefault()?["model_group_id"];
    }

    private static async Task<JsonNode?> Send(HttpClient http, HttpMethod method, string path, object body, CancellationToken cancellationToken)
    {
        using var response = await http.SendAsync(new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) }, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"Setting up the demo failed: {method} {path} answered {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? null : JsonNode.Parse(text);
    }
}
