using System.Net;
using System.Text.Json.Nodes;
using ModelGate.DevHost.Azurite;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.Clients;

/// <summary>
/// OpenAI clients must work against ModelGate unchanged: the official `openai` and `@langchain/openai` npm
/// packages, and the snippets on a deployment card run as printed, each against a live gateway with a key the
/// test created. The demo model echoes "You said: PROMPT" and counts words as tokens.
/// </summary>
public sealed class RealClientTests(LiveGateway gateway) : IClassFixture<LiveGateway>
{
    private string DeploymentBaseUrl => $"{gateway.BaseUrl}/deployments/{gateway.Deployment}/v1";

    [Fact]
    public async Task OpenAiPackage_ThroughTheDeploymentPath_GetsPlainAndStreamedAnswers_WithUsageInTheLastChunk()
    {
        var (_, key) = await gateway.CreateKeyAsync("openai by path");

        var result = (await RunClientAsync("openai-chat.mjs", DeploymentBaseUrl, key, "hello through the path")).AssertJson();

        Assert.Equal("You said: hello through the path", (string?)result["plain"]!["content"]);
        Assert.Equal(4, (long)result["plain"]!["usage"]!["prompt_tokens"]!);
        Assert.Equal(6, (long)result["plain"]!["usage"]!["completion_tokens"]!);
        var stream = result["stream"]!;
        Assert.Equal("You said: hello through the path", (string?)stream["content"]);
        // One chunk per word, then the finish chunk and the usage chunk: many events, not one buffered answer.
        Assert.True((long)stream["chunks"]! >= 6, $"expected several chunks: {stream.ToJsonString()}");
        Assert.True((bool)stream["usage_in_last_chunk"]!, $"usage should come in the last chunk: {stream.ToJsonString()}");
        Assert.Equal(4, (long)stream["usage"]!["prompt_tokens"]!);
        Assert.Equal(6, (long)stream["usage"]!["completion_tokens"]!);
    }

    [Fact]
    public async Task OpenAiPackage_WithTheGatewayAsBaseUrl_IsRoutedByModel()
    {
        var (_, key) = await gateway.CreateKeyAsync("openai by model");

        var result = (await RunClientAsync("openai-chat.mjs", $"{gateway.BaseUrl}/v1", key, "routed by model")).AssertJson();

        Assert.Equal("You said: routed by model", (string?)result["plain"]!["content"]);
        Assert.Equal("You said: routed by model", (string?)result["stream"]!["content"]);
        Assert.True((bool)result["stream"]!["usage_in_last_chunk"]!, result.ToJsonString());
    }

    [Fact]
    public async Task LangChainChatOpenAi_InvokeAndStream_GetTheModelsAnswer()
    {
        var (_, key) = await gateway.CreateKeyAsync("langchain");

        var result = (await RunClientAsync("langchain-chat.mjs", DeploymentBaseUrl, key, "hello from langchain")).AssertJson();

        Assert.Equal("You said: hello from langchain", (string?)result["invoke"]!["content"]);
        Assert.Equal(3, (long)result["invoke"]!["usage"]!["input_tokens"]!);
        var stream = result["stream"]!;
        Assert.Equal("You said: hello from langchain", (string?)stream["content"]);
        Assert.True((long)stream["chunks"]! >= 5, $"expected several chunks: {stream.ToJsonString()}");
        Assert.Equal(5, (long)stream["usage"]!["output_tokens"]!);
    }

    [Fact]
    public async Task CardCurlSnippet_RunAsPrinted_GetsAChatCompletion()
    {
        var (_, key) = await gateway.CreateKeyAsync("curl snippet");
        var snippet = await CardSnippetAsync("curl");

        var run = await ClientProcess.RunAsync("bash", ["-c", snippet], Path.GetTempPath(),
            new Dictionary<string, string> { ["MODELGATE_API_KEY"] = key });

        var completion = run.AssertJson();
        Assert.True(completion["choices"] is JsonArray, $"expected a chat completion: {run}");
        Assert.Equal("You said: Hello!", (string?)completion["choices"]![0]!["message"]!["content"]);
    }

    [Fact]
    public async Task CardOpenAiJsSnippet_RunAsPrinted_PrintsTheModelsAnswer()
    {
        var (_, key) = await gateway.CreateKeyAsync("openai_js snippet");
        var snippet = await CardSnippetAsync("openai_js");

        // Code given with -e resolves packages from the working directory: the repository root, which holds node_modules.
        var run = await ClientProcess.RunAsync("node", ["--input-type=module", "-e", snippet], RepoPaths.Root,
            new Dictionary<string, string> { ["MODELGATE_API_KEY"] = key });

        run.AssertSucceeded();
        Assert.Equal("You said: Hello!", run.StandardOutput.Trim());
    }

    [Fact]
    public async Task Usage_AfterClientCalls_CountsEveryCallAndTheStreamedTokens()
    {
        var (keyId, key) = await gateway.CreateKeyAsync("metered");

        var openAi = (await RunClientAsync("openai-chat.mjs", DeploymentBaseUrl, key, "count my tokens please")).AssertJson();
        var langChain = (await RunClientAsync("langchain-chat.mjs", DeploymentBaseUrl, key, "count my tokens please")).AssertJson();

        var usage = await gateway.UsageOfKeyAsync(keyId, calls: 4);
        Assert.Equal(4, (long)usage["calls"]!);
        Assert.Equal(0, (long)usage["errors"]!);
        Assert.Equal(gateway.Deployment, (string?)usage["deployment"]);
        // What the clients were told, plain and streamed alike, is what the gateway metered: 4 calls × 4 and × 6 words.
        var prompt = (long)openAi["plain"]!["usage"]!["prompt_tokens"]! + (long)openAi["stream"]!["usage"]!["prompt_tokens"]!
            + (long)langChain["invoke"]!["usage"]!["input_tokens"]! + (long)langChain["stream"]!["usage"]!["input_tokens"]!;
        var completion = (long)openAi["plain"]!["usage"]!["completion_tokens"]! + (long)openAi["stream"]!["usage"]!["completion_tokens"]!
            + (long)langChain["invoke"]!["usage"]!["output_tokens"]! + (long)langChain["stream"]!["usage"]!["output_tokens"]!;
        Assert.Equal(16, prompt);
        Assert.Equal(24, completion);
        Assert.Equal(prompt, (long)usage["prompt_tokens"]!);
        Assert.Equal(completion, (long)usage["completion_tokens"]!);
    }

    private Task<ClientRun> RunClientAsync(string script, string baseUrl, string key, string prompt) =>
        ClientProcess.RunAsync("node", [Path.Combine(RepoPaths.Root, "tests", "clients", script)], RepoPaths.Root,
            new Dictionary<string, string>
            {
                ["BASE_URL"] = baseUrl,
                ["MODEL"] = gateway.Deployment,
                ["MODELGATE_API_KEY"] = key,
                ["PROMPT"] = prompt,
                // LangChain sends traces to LangSmith when the machine asks for it; a test sends nothing anywhere.
                ["LANGCHAIN_TRACING_V2"] = "false",
                ["LANGSMITH_TRACING"] = "false",
            });

    /// <summary>The snippet on this deployment's card, as the signed-in user sees it; the card points at this gateway.</summary>
    private async Task<string> CardSnippetAsync(string name)
    {
        var cards = await (await gateway.UserClient.GetAsync("/api/me/deployments")).AssertStatusAsync(HttpStatusCode.OK);
        var card = cards["items"]!.AsArray().Single(c => (string?)c!["name"] == gateway.Deployment)!;
        Assert.Equal($"{gateway.BaseUrl}/deployments/{gateway.Deployment}", (string?)card["uri"]);
        return (string?)card["snippets"]![name] ?? throw new Xunit.Sdk.XunitException($"The card has no {name} snippet: {card.ToJsonString()}");
    }
}
