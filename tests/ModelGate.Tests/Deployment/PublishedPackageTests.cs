using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using System.Text.Json.Nodes;
using ModelGate.DevHost.Azurite;

namespace ModelGate.Tests.Deployment;

/// <summary>
/// The package azd deploys: what <c>dotnet publish -c Release</c> puts in the folder whose root the Functions
/// host loads, and whether that app starts the way the host starts it.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class PublishedPackageTests(PublishedPackage package) : IClassFixture<PublishedPackage>
{
    private const string AppHost = "ModelGate.Functions";

    [LinuxFact]
    public void Package_HasTheRepositoryHostJsonAtItsRoot()
    {
        var published = Path.Combine(package.Folder, "host.json");
        Assert.True(File.Exists(published), "host.json is missing from the publish root.");
        Assert.Equal(File.ReadAllText(Repo.HostJson), File.ReadAllText(published));
    }

    [LinuxFact]
    public void Package_HasEachFunctionJsonInItsOwnFolderAtItsRoot()
    {
        var source = FunctionLayout.Read(Repo.FunctionsFolder);
        var published = FunctionLayout.Read(package.Folder);
        Assert.NotEmpty(source);
        Assert.Equal(source.Select(f => f.Name), published.Select(f => f.Name));
        foreach (var function in source)
            Assert.Equal(File.ReadAllText(function.FilePath), File.ReadAllText(Path.Combine(package.Folder, function.Name, "function.json")));
        Assert.False(System.IO.Directory.Exists(Path.Combine(package.Folder, "Functions")), "function.json files must lose their Functions/ prefix.");
    }

    [LinuxFact]
    public void Package_IsSelfContainedForLinuxX64()
    {
        var runtimeConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(package.Folder, AppHost + ".runtimeconfig.json")))!;
        var included = runtimeConfig["runtimeOptions"]!["includedFrameworks"]!.AsArray().Select(f => (string?)f!["name"]).ToList();
        Assert.Contains("Microsoft.NETCore.App", included);
        Assert.Contains("Microsoft.AspNetCore.App", included);
        Assert.True(File.Exists(Path.Combine(package.Folder, "libcoreclr.so")), "the runtime is not in the package.");

        // The app host is an x86-64 ELF executable: magic, 64-bit class, machine 0x3E.
        var header = File.ReadAllBytes(Path.Combine(package.Folder, AppHost))[..20];
        Assert.Equal("\u007fELF", Encoding.ASCII.GetString(header, 0, 4));
        Assert.Equal(2, header[4]);
        Assert.Equal(0x3E, BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(18)));
    }

    [LinuxFact]
    public void Package_KeepsTheAppHostExecutable()
    {
        var mode = File.GetUnixFileMode(Path.Combine(package.Folder, AppHost));
        Assert.True(mode.HasFlag(UnixFileMode.UserExecute), $"{AppHost} lost its execute bit: {mode}.");
    }

    [LinuxFact]
    public void Package_HasTheStartScriptHostJsonRuns_WithUnixLineEndings()
    {
        var (executable, arguments) = HostLaunch();
        Assert.Equal("/bin/sh", executable);
        var script = Path.Combine(package.Folder, Assert.Single(arguments));
        Assert.True(File.Exists(script), $"host.json runs {script}, which is not in the package.");
        var text = File.ReadAllText(script);
        Assert.StartsWith("#!/bin/sh\n", text);
        Assert.DoesNotContain('\r', text);
    }

    [LinuxFact]
    public async Task PublishedApp_StartedAsHostJsonSays_AnswersGetRootOnTheCustomHandlerPort()
    {
        await AssertStartsAndAnswersAsync();
    }

    [LinuxFact]
    public async Task PublishedApp_WithoutAnExecuteBit_StillStarts()
    {
        // What a zip without Unix modes leaves behind; start.sh must cope without changing the package.
        var appHost = Path.Combine(package.Folder, AppHost);
        var mode = File.GetUnixFileMode(appHost);
        File.SetUnixFileMode(appHost, mode & ~(UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute));
        try
        {
            await AssertStartsAndAnswersAsync();
            Assert.Equal(mode & ~(UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute), File.GetUnixFileMode(appHost));
        }
        finally
        {
            File.SetUnixFileMode(appHost, mode);
        }
    }

    private (string Executable, IReadOnlyList<string> Arguments) HostLaunch()
    {
        var description = JsonNode.Parse(File.ReadAllText(Path.Combine(package.Folder, "host.json")))!["customHandler"]!["description"]!;
        return ((string)description["defaultExecutablePath"]!, description["arguments"]!.AsArray().Select(a => (string)a!).ToList());
    }

    /// <summary>Starts the package as the Functions host does (host.json's command, the package root as working folder).</summary>
    private async Task AssertStartsAndAnswersAsync()
    {
        var (executable, arguments) = HostLaunch();
        var port = ModelGate.DevHost.LoopbackPorts.PickFree();
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = package.Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        var environment = new Dictionary<string, string>
        {
            ["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(),
            ["TMPDIR"] = package.Scratch,
            ["Identity__DevelopmentIssuer__Enabled"] = "true",
            // App Service sets it; the gateway's public URL and host suffix default to it.
            ["WEBSITE_HOSTNAME"] = "modelgate-test.azurewebsites.net",
            ["Azure__UseDevelopmentCredential"] = "true",
            // Nothing listens on port 1: GET / must not need Table Storage or Key Vault.
            ["Storage__TableServiceUri"] = "http://127.0.0.1:1/devstoreaccount1",
            ["Storage__AccountName"] = AzuriteProcess.AccountName,
            ["Storage__AccountKey"] = AzuriteProcess.AccountKey,
            ["Storage__CreateTables"] = "false",
            ["KeyVault__VaultUri"] = "https://127.0.0.1:1/",
        };
        foreach (var (name, value) in environment) start.Environment[name] = value;

        using var process = Process.Start(start) ?? throw new InvalidOperationException("The package did not start.");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                Assert.False(process.HasExited, $"The app exited with code {(process.HasExited ? process.ExitCode : 0)}:\n{output}");
                try
                {
                    using var response = await client.GetAsync($"http://127.0.0.1:{port}/");
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    Assert.Equal("ModelGate", await response.Content.ReadAsStringAsync());
                    return;
                }
                catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromSeconds(30))
                {
                    await Task.Delay(100);
                }
                catch (TaskCanceledException) when (deadline.Elapsed < TimeSpan.FromSeconds(30))
                {
                    await Task.Delay(100);
                }
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

}
