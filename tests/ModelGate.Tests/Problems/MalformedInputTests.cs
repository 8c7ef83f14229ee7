using System.Net;
using System.Text;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.Problems;

/// <summary>Every malformed request gets a problem+json with a stable code: never a 500, never a partial write.</summary>
public sealed class MalformedInputTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly HttpClient owner = fixture.App.ClientFor(TestUser.Owner());

    [Theory]
    [InlineData("{", "invalid_json")]
    [InlineData("", "invalid_json")]
    [InlineData("[]", "invalid_json")]
    [InlineData("\"name\"", "invalid_json")]
    [InlineData("null", "invalid_json")]
    [InlineData("{\"name\":\"a\",\"name\":\"b\"}", "invalid_json")]
    [InlineData("{\"name\":\"a\"} trailing", "invalid_json")]
    [InlineData("{\"name\":\"a\",\"colour\":\"red\"}", "unknown_field")]
    [InlineData("{\"Name\":\"a\"}", "unknown_field")]
    [InlineData("{\"name\":123}", "invalid_field")]
    [InlineData("{\"name\":\"a\",\"backend_roles\":\"team-a\"}", "invalid_field")]
    [InlineData("{\"name\":\"a\",\"add_all_backend_roles\":\"yes\"}", "invalid_field")]
    [InlineData("{\"name\":{\"nested\":true}}", "invalid_field")]
    [InlineData("{}", "validation_failed")]
    [InlineData("{\"name\":\"\"}", "validation_failed")]
    [InlineData("{\"name\":\"   \"}", "validation_failed")]
    [InlineData("{\"name\":\"tab\\there\"}", "validation_failed")]
    [InlineData("{\"name\":\"nul\\u0000\"}", "validation_failed")]
    [InlineData("{\"name\":\"bidi\\u202Eevil\"}", "validation_failed")]
    [InlineData("{\"name\":\"zero\\u200Bwidth\"}", "validation_failed")]
    [InlineData("{\"name\":\"lone\\uD800surrogate\"}", "invalid_field")]
    [InlineData("{\"name\":\"ok\",\"access_mode\":\"PUBLIC\"}", "validation_failed")]
    [InlineData("{\"name\":\"ok\",\"access_mode\":\"restricted\",\"backend_roles\":[\"\"]}", "validation_failed")]
    [InlineData("{\"name\":\"ok\",\"access_mode\":\"restricted\",\"backend_roles\":[null]}", "validation_failed")]
    public async Task CreateModelGroup_WithMalformedBody_GetsStableCode(string body, string code)
    {
        var before = await CountGroupsAsync();
        var response = await owner.PostAsync("/api/model-groups", new StringContent(body, Encoding.UTF8, "application/json"));
        var status = code == "payload_too_large" ? HttpStatusCode.RequestEntityTooLarge : HttpStatusCode.BadRequest;
        await response.AssertProblemAsync(status, code);
        Assert.Equal(before, await CountGroupsAsync());
    }

    [Fact]
    public async Task OverlongName_IsRefused_ButUnicodeLookAlikesAreJustNames()
    {
        await (await owner.PostJsonAsync("/api/model-groups", new { name = new string('x', 101) }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        // Cyrillic "а" looks like Latin "a": it is a different, valid name; uniqueness does not fold scripts.
        var latin = "model-" + Guid.NewGuid().ToString("N")[..8] + "a";
        var cyrillic = latin[..^1] + "\u0430";
        await owner.CreateGroupAsync(new { name = latin });
        await owner.CreateGroupAsync(new { name = cyrillic });
        await owner.CreateGroupAsync(new { name = "日本語のモデル-" + Guid.NewGuid().ToString("N")[..6] + " 🚀" });
    }

    [Fact]
    public async Task HugeBody_Gets413()
    {
        var body = "{\"name\":\"" + new string('x', 100_000) + "\"}";
        var response = await owner.PostAsync("/api/model-groups", new StringContent(body, Encoding.UTF8, "application/json"));
        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task HugeBodyWithoutContentLength_Gets413()
    {
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("{\"description\":\"" + new string('y', 200_000) + "\"}")));
        content.Headers.ContentType = new("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/model-groups") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        await (await owner.SendAsync(request)).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task DeeplyNestedJson_IsRefused()
    {
        var body = "{\"name\":" + new string('[', 500) + new string(']', 500) + "}";
        var response = await owner.PostAsync("/api/model-groups", new StringContent(body, Encoding.UTF8, "application/json"));
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_json");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData(null)]
    public async Task NonJsonContentType_Gets415(string? contentType)
    {
        var content = new StringContent("{\"name\":\"x\"}");
        content.Headers.ContentType = contentType is null ? null : new(contentType);
        var response = await owner.PostAsync("/api/model-groups", content);
        await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Theory]
    [InlineData("/api/model-groups/does-not-exist")]
    [InlineData("/api/model-groups/%2F..%2F")]
    [InlineData("/api/model-groups/a%23b%3Fc")]
    [InlineData("/api/model-groups/%E2%80%AE")]
    [InlineData("/api/models/%01%7F")]
    public async Task OddIds_Get404(string path)
    {
        var response = await owner.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task UnknownRoute_AndWrongMethod_AreProblems()
    {
        await (await owner.GetAsync("/api/nothing-here")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await owner.PutAsync("/api/model-groups", Http.Json("{}"))).AssertProblemAsync(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }

    [Fact]
    public async Task MultipleIfMatchValues_AreRefused()
    {
        var id = await owner.CreateGroupAsync(new { name = Http.UniqueName() });
        var response = await owner.PatchJsonAsync($"/api/model-groups/{id}", new { description = "x" }, "\"a\", \"b\"");
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_if_match");
    }

    private async Task<int> CountGroupsAsync()
    {
        var list = await (await owner.GetAsync("/api/model-groups?limit=200")).AssertStatusAsync(HttpStatusCode.OK);
        return list["items"]!.AsArray().Count;
    }
}
