using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ModelGate.Tests.Infrastructure;

/// <summary>Small helpers so tests read as requests and expectations.</summary>
public static class Http
{
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, object body) =>
        client.PostAsync(path, Json(JsonSerializer.Serialize(body)));

    public static Task<HttpResponseMessage> PatchJsonAsync(this HttpClient client, string path, object body, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, path) { Content = Json(JsonSerializer.Serialize(body)) };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return client.SendAsync(request);
    }

    public static async Task<JsonNode> ReadJsonAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new InvalidOperationException("empty body");

    /// <summary>Asserts a problem+json answer with the status and stable code, and returns its body.</summary>
    public static async Task<JsonNode> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonNode.Parse(text)!;
        Assert.Equal(code, (string?)body["code"]);
        Assert.Equal((int)status, (int?)body["status"]);
        Assert.False(string.IsNullOrEmpty((string?)body["title"]));
        return body;
    }

    public static async Task<JsonNode> AssertStatusAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!;
    }

    public static async Task<string> CreateGroupAsync(this HttpClient client, object body)
    {
        var response = await client.PostJsonAsync("/api/model-groups", body);
        var json = await response.AssertStatusAsync(HttpStatusCode.Created);
        return (string)json["model_group_id"]!;
    }

    public static string UniqueName(string prefix = "group") => $"{prefix}-{Guid.NewGuid():N}"[..30];
}
