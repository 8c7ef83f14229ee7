using System.ComponentModel;
using System.Diagnostics;

namespace ModelGate.DevHost.Azurite;

// Installs Azurite from the repository's package-lock.json when node_modules lacks it. A lock file keeps
// concurrent processes (parallel test runs, the local run) from running npm over each other.
internal static class AzuriteInstallation
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(10);
    private static readonly SemaphoreSlim InProcessLock = new(1, 1);

    public static string TableMainPath(string root) =>
        Path.Combine(root, "node_modules", "azurite", "dist", "src", "table", "main.js");

    public static async Task EnsureAsync(string root, CancellationToken cancellationToken)
    {
        string marker = Path.Combine(root, "node_modules", "azurite", "package.json");
        if (File.Exists(marker))
        {
            return;
        }

        await InProcessLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            string lockFolder = Path.Combine(root, ".modelgate");
            System.IO.Directory.CreateDirectory(lockFolder);
            using FileStream installLock = await AcquireAsync(Path.Combine(lockFolder, "npm-install.lock"), cancellationToken).ConfigureAwait(false);

            // Another process may have finished the install while this one waited.
            if (File.Exists(marker))
            {
                return;
            }

            await RunNpmCiAsync(root, cancellationToken).ConfigureAwait(false);
            if (!File.Exists(marker))
            {
                throw new InvalidOperationException($"npm ci finished but {marker} is still missing; is azurite in {Path.Combine(root, "package.json")}?");
            }
        }
        finally
        {
            InProcessLock.Release();
        }
    }

    private static async Task<FileStream> AcquireAsync(string path, CancellationToken cancellationToken)
    {
        DateTime deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                // FileShare.None is an exclusive lock that other processes see (flock on Unix).
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task RunNpmCiAsync(string root, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(OperatingSystem.IsWindows() ? "npm.cmd" : "npm")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])["ci", "--no-audit", "--no-fund"])
        {
            startInfo.ArgumentList.Add(argument);
        }

        Process npm;
        try
        {
            npm = Process.Start(startInfo) ?? throw new InvalidOperationException("npm did not start.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                "Azurite is not installed and npm was not found on PATH to install it. Install Node.js (which brings npm), " +
                $"or run 'npm ci' in {root} yourself.",
                e);
        }

        using (npm)
        {
            var output = new OutputTail();
            npm.OutputDataReceived += (_, e) => output.Add(e.Data);
            npm.ErrorDataReceived += (_, e) => output.Add(e.Data);
            npm.BeginOutputReadLine();
            npm.BeginErrorReadLine();
            try
            {
                await npm.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                npm.Kill(entireProcessTree: true);
                throw;
            }

            if (npm.ExitCode != 0)
            {
                throw new InvalidOperationException($"'npm ci' in {root} failed with exit code {npm.ExitCode}:{Environment.NewLine}{output}");
            }
        }
    }
}
