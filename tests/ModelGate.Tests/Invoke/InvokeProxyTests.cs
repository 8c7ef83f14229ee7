using System.Diagnostics;
using System.Net;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.Invoke;

/// <summary>Every outcome of a model call, with its contract code.</summary>
public sealed class InvokeProxyTests(InvokeScenario scenario) : IClassFixture<InvokeScenario>
{
    private string Path => $"/deployments/{scenario.Deployment}/v1/chat/completions";

    [Theory]
    [InlineData("ApiKey")]
    [InlineData("Bearer")]
    public async Task ValidKey_ReachesTheModel_AndTheKeyIsNotForwarded(string scheme)
    {
        var response = await scenario.KeyClient(scheme: scheme).PostAsync(Path, InvokeScenario.Chat(scenario.Deployment, "ping"));
        var body = await response.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("You said: ping", (string?)body["choices"]![0]!["message"]!["content"]);
        Assert.Equal("/v1/chat/completions", scenario.Model.LastRequestPath);
        Assert.False(scenario.Model.LastRequestHeaders.ContainsKey("Authorization"));
        Assert.DoesNotContain(scenario.Model.LastRequestHeaders.Values, v => v.Contains(scenario.Key));
        Assert.True(scenario.Model.LastRequestHeaders.ContainsKey("X-Forwarded-For") || scenario.Model.LastRequestHeaders.ContainsKey("X-Forwarded-Host"));
    }

    [Fact]
    public async Task HostRouting_ForwardsThePathUnchanged()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = InvokeScenario.Chat("ignored-when-host-routes") };
        request.Headers.Host = $"{scenario.Deployment}.models.test";
        var response = await scenario.KeyClient().SendAsync(request);
        await response.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("/v1/chat/completions", scenario.Model.LastRequestPath);
    }

    [Fact]
    public async Task OpenAiStyleRouting_TakesTheDeploymentFromModel()
    {
        var response = await scenario.KeyClient(scheme: "Bearer").PostAsync("/v1/chat/completions?trace=1", InvokeScenario.Chat(scenario.Deployment, "routed"));
        var body = await response.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("You said: routed", (string?)body["choices"]![0]!["message"]!["content"]);
        Assert.Equal("/v1/chat/completions?trace=1", scenario.Model.LastRequestPath);
    }

    [Fact]
    public async Task NoKey_Is401InvalidApiKey_WithApiKeyChallenge()
    {
        var response = await scenario.App.CreateClient().PostAsync(Path, InvokeScenario.Chat(scenario.Deployment));
        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_api_key");
        Assert.Equal("ApiKey", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("mg_0000000000000000_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa000000")]
    public async Task MalformedOrUnknownKey_Is401InvalidApiKey(string key)
    {
        var response = await scenario.KeyClient(key).PostAsync(Path, InvokeScenario.Chat(scenario.Deployment));
        var problem = await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_api_key");
        Assert.DoesNotContain(key, problem.ToJsonString());
    }

    [Fact]
    public async Task WrongSecretForARealKeyId_Is401InvalidApiKey()
    {
        var forged = scenario.Key[..^10] + new string(scenario.Key[^10..].Reverse().ToArray());
        await (await scenario.KeyClient(forged).PostAsync(Path, InvokeScenario.Chat(scenario.Deployment)))
            .AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_api_key");
    }

    [Fact]
    public async Task RevokedKey_Is401ApiKeyRevoked()
    {
        var key = await InvokeScenario.CreateKeyAsync(scenario.UserClient);
        await (await scenario.KeyClient(key).PostAsync(Path, InvokeScenario.Chat(scenario.Deployment))).AssertStatusAsync(HttpStatusCode.OK);
        var keyId = key.Split('_')[1];
        await (await scenario.UserClient.DeleteAsync($"/api/me/api-keys/{keyId}")).AssertStatusAsync(HttpStatusCode.NoContent);
        await (await scenario.KeyClient(key).PostAsync(Path, InvokeScenario.Chat(scenario.Deployment)))
            .AssertProblemAsync(HttpStatusCode.Unauthorized, "api_key_revoked");
    }

    [Fact]
    public async Task UnknownDeployment_Is404()
    {
        await (await scenario.KeyClient().PostAsync("/deployments/no-such-thing/v1/chat/completions", InvokeScenario.Chat("no-such-thing")))
            .AssertProblemAsync(HttpStatusCode.NotFound, "deployment_not_found");
        await (await scenario.KeyClient().PostAsync("/v1/chat/completions", Http.Json("{\"messages\":[]}")))
            .AssertProblemAsync(HttpStatusCode.NotFound, "deployment_not_found");
    }

    [Fact]
    public async Task DeploymentNotGrantedToTheUsersGroups_Is403()
    {
        var (_, modelId) = await scenario.Admin.CreateModelAsync("private");
        var other = CatalogSetup.UniqueDeploymentName("other");
        await scenario.Admin.CreateDeploymentAsync(other, modelId, "chat", scenario.Model.BaseUri.ToString());
        await scenario.Admin.GrantAsync(other, "lab1"); // case differs: no match
        await (await scenario.KeyClient().PostAsync($"/deployments/{other}/v1/chat/completions", InvokeScenario.Chat(other)))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "deployment_forbidden");
    }

    [Fact]
    public async Task KeyScopedToAnotherDeployment_Is403KeyScope()
    {
        var (_, modelId) = await scenario.Admin.CreateModelAsync("private");
        var other = CatalogSetup.UniqueDeploymentName("scoped");
        await scenario.Admin.CreateDeploymentAsync(other, modelId, "chat", scenario.Model.BaseUri.ToString());
        await scenario.Admin.GrantAsync(other, "LAB1");
        var scoped = await InvokeScenario.CreateKeyAsync(scenario.UserClient, new { name = "only other", deployments = new[] { other } });

        await (await scenario.KeyClient(scoped).PostAsync($"/deployments/{other}/v1/chat/completions", InvokeScenario.Chat(other))).AssertStatusAsync(HttpStatusCode.OK);
        await (await scenario.KeyClient(scoped).PostAsync(Path, InvokeScenario.Chat(scenario.Deployment)))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "key_scope");
    }

    [Fact]
    public async Task UpstreamRefusingConnections_Is502()
    {
        var (_, modelId) = await scenario.Admin.CreateModelAsync("private");
        var dead = CatalogSetup.UniqueDeploymentName("dead");
        await scenario.Admin.CreateDeploymentAsync(dead, modelId, "chat", "http://127.0.0.1:1/");
        await scenario.Admin.GrantAsync(dead, "LAB1");
        await (await scenario.KeyClient().PostAsync($"/deployments/{dead}/v1/chat/completions", InvokeScenario.Chat(dead)))
            .AssertProblemAsync(HttpStatusCode.BadGateway, "upstream_unreachable");
    }

    [Fact]
    public async Task UpstreamTooSlow_Is504()
    {
        var started = Stopwatch.StartNew();
        await (await scenario.KeyClient().GetAsync($"/deployments/{scenario.Deployment}/slow?ms=10000"))
            .AssertProblemAsync(HttpStatusCode.GatewayTimeout, "upstream_timeout");
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(8), $"took {started.Elapsed}");
    }

    [Fact]
    public async Task ClientGoingAway_CancelsTheUpstreamCall()
    {
        var before = scenario.Model.CancelledRequests;
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            scenario.KeyClient().GetAsync($"/deployments/{scenario.Deployment}/slow?ms=1500", cts.Token));
        for (var i = 0; i < 50 && scenario.Model.CancelledRequests == before; i++) await Task.Delay(50);
        Assert.Equal(before + 1, scenario.Model.CancelledRequests);
    }

    [Fact]
    public async Task Streaming_FirstEventArrivesWhileTheUpstreamIsStillSending()
    {
        scenario.Model.StreamChunkDelay = TimeSpan.FromMilliseconds(250);
        try
        {
            var request = new HttpRequestMessage(HttpMethod.Post, Path)
            {
                Content = InvokeScenario.Chat(scenario.Deployment, "one two three four five six seven eight", stream: true),
            };
            var started = Stopwatch.StartNew();
            using var response = await scenario.KeyClient().SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            var first = await reader.ReadLineAsync();
            var firstAt = started.Elapsed;
            Assert.StartsWith("data: {", first);
            var rest = await reader.ReadToEndAsync();
            var total = started.Elapsed;
            Assert.EndsWith("data: [DONE]", rest.TrimEnd());
            // Ten chunks 250 ms apart: the first must arrive long before the last.
            Assert.True(firstAt < total - TimeSpan.FromSeconds(1.5), $"first event at {firstAt}, stream ended at {total}");
        }
        finally
        {
            scenario.Model.StreamChunkDelay = TimeSpan.FromMilliseconds(20);
        }
    }
}
