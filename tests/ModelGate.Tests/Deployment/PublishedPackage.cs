using System.Diagnostics;
using System.Text;

namespace ModelGate.Tests.Deployment;

/// <summary>
/// The function app published once per test run exactly as azd does it (<c>dotnet publish -c Release</c> on the
/// project, into a fresh folder), with intermediate files kept out of the source tree so the run leaves the
/// developer's build alone.
/// </summary>
public sealed class PublishedPackage : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "modelgate-publish-" + Guid.NewGuid().ToString("N")[..8]);

    public string Folder => Path.Combine(_root, "publish");

    /// <summary>A writable folder for whatever the package's start script needs (TMPDIR).</summary>
    public string Scratch => Path.Combine(_root, "tmp");

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Scratch);
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Repo.Root,
        };
        foreach (var argument in new[]
                 {
                     "publish", Repo.FunctionsProject, "-c", "Release", "-o", Folder,
                     "--artifacts-path", Path.Combine(_root, "artifacts"),
                     // No build servers or reused nodes: they would outlive the publish and hold its output pipes open.
                     "-nodeReuse:false", "-p:UseSharedCompilation=false",
                 })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet publish did not start.");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("dotnet publish took longer than 3 minutes:\n" + output);
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"dotnet publish failed with exit code {process.ExitCode}:\n{output}");
    }

    public Task DisposeAsync()
    {
        try
        {
            System.IO.Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A process that has not let go yet; the temp folder is the system's to clean.
        }
        return Task.CompletedTask;
    }
}
