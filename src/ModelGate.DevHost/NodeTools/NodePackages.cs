using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ModelGate.DevHost.NodeTools;

// The repository's node tools (Azurite for the local run and the tests, the OpenAI and LangChain JS clients the
// tests drive) come from its package-lock.json. npm ci runs whenever node_modules does not hold what the lock
// names, not only when it is missing: a checkout whose lock gained or changed a package would otherwise keep an
// older tree and fail later, far from the cause. A lock file keeps concurrent processes (parallel test runs, the
// local run) from running npm over each other.
internal static class NodePackages
{
    private const string LockFileName = "package-lock.json";
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(10);
    private static readonly SemaphoreSlim InProcessLock = new(1, 1);

    public static string ModulesPath(string root) => Path.Combine(root, "node_modules");

    public static async Task EnsureInstalledAsync(string root, CancellationToken cancellationToken = default)
    {
        if (MatchesLock(root))
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
            if (MatchesLock(root))
            {
                return;
            }

            await RunNpmCiAsync(root, cancellationToken).ConfigureAwait(false);
            if (!MatchesLock(root))
            {
                throw new InvalidOperationException(
                    $"npm ci finished but {ModulesPath(root)} still does not match {Path.Combine(root, LockFileName)}; " +
                    "is the lock in sync with package.json?");
            }
        }
        finally
        {
            InProcessLock.Release();
        }
    }

    /// <summary>
    /// npm records what it installed in node_modules/.package-lock.json (its hidden lockfile, written last).
    /// The tree matches when every package the lock names is recorded there with the same version and
    /// integrity, and every direct dependency's folder is present. Optional packages may be absent: npm skips
    /// those that do not fit the platform.
    /// </summary>
    public static bool MatchesLock(string root)
    {
        string lockPath = Path.Combine(root, LockFileName);
        JsonObject wanted = ReadPackages(lockPath)
            ?? throw new InvalidOperationException($"{lockPath} is missing or has no \"packages\"; run 'npm install' in {root} to create it.");
        JsonObject? installed = ReadPackages(Path.Combine(ModulesPath(root), ".package-lock.json"));
        if (installed is null)
        {
            // npm writes no hidden lockfile for a lock that names nothing to install.
            return wanted.Count == 1 && wanted.ContainsKey("");
        }

        foreach (var (path, entry) in wanted)
        {
            if (path.Length == 0)
            {
                continue; // the repository's own project, never installed
            }

            if (installed[path] is not JsonObject have)
            {
                if (Flag(entry, "optional"))
                {
                    continue;
                }

                return false;
            }

            if (Text(entry, "version") != Text(have, "version") || Text(entry, "integrity") != Text(have, "integrity"))
            {
                return false;
            }
        }

        return DirectDependencies(wanted[""]).All(name => File.Exists(Path.Combine(ModulesPath(root), name, "package.json")));
    }

    private static JsonObject? ReadPackages(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path))?["packages"] as JsonObject;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return null;
        }
    }

    private static IEnumerable<string> DirectDependencies(JsonNode? project) =>
        ((string[])["dependencies", "devDependencies"])
            .SelectMany(kind => project?[kind] is JsonObject names ? names.Select(n => n.Key) : []);

    private static bool Flag(JsonNode? entry, string name) =>
        entry?[name] is JsonValue value && value.TryGetValue(out bool flag) && flag;

    private static string? Text(JsonNode? entry, string name) =>
        entry?[name] is JsonValue value && value.TryGetValue(out string? text) ? text : null;

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
        // --include=dev: every tool here is a devDependency, and NODE_ENV=production on a machine would otherwise omit them all.
        foreach (string argument in (string[])["ci", "--include=dev", "--no-audit", "--no-fund"])
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
                "The node tools in package-lock.json are not installed and npm was not found on PATH to install them. " +
                $"Install Node.js (which brings npm), or run 'npm ci' in {root} yourself.",
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
