using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using ModelGate.Hosting;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.Deployment;

/// <summary>host.json and the function.json files the Functions host reads, and their match with the app's timer jobs.</summary>
public sealed partial class FunctionDefinitionTests
{
    private static readonly string[] HttpMethods = ["get", "post", "put", "patch", "delete", "head", "options"];

    [Fact]
    public void HostJson_ProxiesEveryPathToTheCustomHandlerLaunchedThroughSh()
    {
        var host = JsonNode.Parse(File.ReadAllText(Repo.HostJson))!;
        Assert.Equal("2.0", (string?)host["version"]);
        Assert.Equal("", (string?)host["extensions"]!["http"]!["routePrefix"]);
        var handler = host["customHandler"]!;
        // Proxying streams both ways (SSE works); the older forwarding buffers responses.
        Assert.True((bool?)handler["enableProxyingHttpRequest"]);
        Assert.Null(handler["enableForwardingHttpRequest"]);
        Assert.Equal("/bin/sh", (string?)handler["description"]!["defaultExecutablePath"]);
        Assert.Equal(["start.sh"], handler["description"]!["arguments"]!.AsArray().Select(a => (string?)a));
    }

    [Fact]
    public void EveryFunctionJson_IsAFunctionWithExactlyOneTrigger()
    {
        var functions = FunctionLayout.Read(Repo.FunctionsFolder);
        Assert.NotEmpty(functions);
        Assert.Equal(System.IO.Directory.GetDirectories(Repo.FunctionsFolder).Length, functions.Count);
        Assert.Equal(functions.Count, functions.Select(f => f.Name.ToLowerInvariant()).Distinct().Count());
        foreach (var function in functions)
        {
            Assert.True(FunctionName().IsMatch(function.Name), $"'{function.Name}' is not a valid function name.");
            var bindings = function.Bindings;
            Assert.All(bindings, b =>
            {
                Assert.False(string.IsNullOrEmpty((string?)b["type"]), $"{function.FilePath}: a binding has no type.");
                Assert.False(string.IsNullOrEmpty((string?)b["name"]), $"{function.FilePath}: a binding has no name.");
                Assert.Contains((string?)b["direction"], new[] { "in", "out" });
            });
            Assert.Single(bindings, b => ((string?)b["type"])!.EndsWith("Trigger", StringComparison.Ordinal));
            Assert.Equal(bindings.Count, bindings.Select(b => (string?)b["name"]).Distinct().Count());
        }
    }

    [Fact]
    public void HttpFunction_IsOneAnonymousCatchAllForEveryMethodWithAnHttpOutput()
    {
        var http = Assert.Single(FunctionLayout.Read(Repo.FunctionsFolder), f => f.Trigger("httpTrigger") is not null);
        var trigger = http.Trigger("httpTrigger")!;
        Assert.Equal("in", (string?)trigger["direction"]);
        Assert.Equal("anonymous", (string?)trigger["authLevel"]);
        Assert.Equal("{*path}", (string?)trigger["route"]);
        var methods = trigger["methods"]?.AsArray().Select(m => ((string?)m)!.ToLowerInvariant()).ToList();
        if (methods is not null) Assert.All(HttpMethods, m => Assert.Contains(m, methods));
        var output = Assert.Single(http.Bindings, b => (string?)b["type"] == "http");
        Assert.Equal("out", (string?)output["direction"]);
        Assert.Equal(2, http.Bindings.Count);
    }

    [Fact]
    public void TimerFunctions_HaveValidSixFieldSchedulesAndDoNotRunOnStartup()
    {
        foreach (var function in FunctionLayout.Read(Repo.FunctionsFolder).Where(f => f.Trigger("timerTrigger") is not null))
        {
            var timer = function.Trigger("timerTrigger")!;
            Assert.Equal("in", (string?)timer["direction"]);
            Assert.True(CronSchedule.TryParse((string?)timer["schedule"], out _, out var error), $"{function.FilePath}: {error}");
            // On a consumption plan runOnStartup fires on every scale-out and cold start.
            Assert.NotEqual(true, (bool?)timer["runOnStartup"]);
            Assert.Single(function.Bindings);
        }
    }

    [Fact]
    public async Task TimerJobs_AndTimerFunctions_MatchOneToOne()
    {
        await using var app = await ModelGateFactory.StartAsync();
        var jobs = app.Services.GetServices<ITimerJob>().ToList();
        Assert.Empty(FunctionLayout.Mismatches(jobs, FunctionLayout.Read(Repo.FunctionsFolder)));
    }

    [Fact]
    public void Mismatches_FindAJobWithoutAFunction_AScheduleThatDiffers_AndAFunctionWithoutAJob()
    {
        var root = System.IO.Directory.CreateTempSubdirectory("modelgate-functions-").FullName;
        try
        {
            WriteTimer(root, "RenewSubscriptions", "0 0 */6 * * *");
            WriteTimer(root, "Orphan", "0 0 3 * * *");
            System.IO.Directory.CreateDirectory(Path.Combine(root, "HttpCatchAll"));
            File.Copy(Path.Combine(Repo.FunctionsFolder, "HttpCatchAll", "function.json"), Path.Combine(root, "HttpCatchAll", "function.json"));
            var functions = FunctionLayout.Read(root);

            Assert.Empty(FunctionLayout.Mismatches([new Job("RenewSubscriptions", "0  0 */6 * * *"), new Job("Orphan", "0 0 3 * * *")], functions));
            var problems = FunctionLayout.Mismatches([new Job("RenewSubscriptions", "0 0 */12 * * *"), new Job("RefreshExternalGroups", "0 */15 * * * *")], functions);
            Assert.Contains(problems, p => p.Contains("RenewSubscriptions") && p.Contains("*/12"));
            Assert.Contains(problems, p => p.Contains("'RefreshExternalGroups' has no function folder"));
            Assert.Contains(problems, p => p.Contains("no registered timer job is named 'Orphan'"));
            Assert.Contains(FunctionLayout.Mismatches([new Job("HttpCatchAll", "0 * * * * *")], functions), p => p.Contains("no timerTrigger"));
        }
        finally
        {
            System.IO.Directory.Delete(root, recursive: true);
        }
    }

    private static void WriteTimer(string root, string name, string schedule)
    {
        System.IO.Directory.CreateDirectory(Path.Combine(root, name));
        File.WriteAllText(Path.Combine(root, name, "function.json"),
            $$"""{"bindings":[{"type":"timerTrigger","direction":"in","name":"timer","schedule":"{{schedule}}"}]}""");
    }

    private sealed record Job(string Name, string Schedule) : ITimerJob
    {
        public Task RunAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{0,127}$")]
    private static partial Regex FunctionName();
}
