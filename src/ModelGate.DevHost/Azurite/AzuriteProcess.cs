using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ModelGate.DevHost.NodeTools;

namespace ModelGate.DevHost.Azurite;

/// <summary>
/// Azurite's table service running as a child process on loopback, for the local run and the tests.
/// The child is started through a small Node wrapper that exits when this process does, so even a killed
/// .NET process leaves no Azurite behind.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    /// <summary>The account every Azurite instance serves.</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>Azurite's well-known key for <see cref="AccountName"/>; public, and only valid against Azurite.</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const string WrapperFileName = "azurite-with-parent.js";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private int _disposed;

    private AzuriteProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        TableServiceUri = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/{AccountName}");
    }

    /// <summary>The table endpoint, path-style: <c>http://127.0.0.1:PORT/devstoreaccount1</c>.</summary>
    public Uri TableServiceUri { get; }

    /// <summary>The loopback port Azurite listens on.</summary>
    public int Port { get; }

    internal int ProcessId => _process.Id;

    /// <summary>
    /// Starts Azurite and returns once its port accepts connections. Installs the repository's node tools with
    /// <c>npm ci</c> first when node_modules does not match package-lock.json.
    /// </summary>
    public static Task<AzuriteProcess> StartAsync(AzuriteOptions options, CancellationToken cancellationToken = default) =>
        StartAsync(options, Environment.ProcessId, cancellationToken);

    // Binds Azurite's life to another process, so a test can kill a stand-in parent the way a debugger kills this one.
    internal static async Task<AzuriteProcess> StartAsync(AzuriteOptions options, int parentProcessId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, IPEndPoint.MaxPort);

        string root = RepoPaths.Root;
        await NodePackages.EnsureInstalledAsync(root, cancellationToken).ConfigureAwait(false);
        string tableMain = Path.Combine(NodePackages.ModulesPath(root), "azurite", "dist", "src", "table", "main.js");
        if (!File.Exists(tableMain))
        {
            throw new InvalidOperationException($"Azurite is installed but its table service is missing at {tableMain}; is the azurite version in package.json 3.x?");
        }

        string wrapper = FindWrapper(root);
        string? location = null;
        if (options.Location is not null)
        {
            location = Path.GetFullPath(options.Location);
            System.IO.Directory.CreateDirectory(location);
        }

        // A port picked here may be taken by someone else before Azurite binds it; then pick another.
        int attempts = options.Port == 0 ? 3 : 1;
        for (int attempt = 1; ; attempt++)
        {
            int port = options.Port == 0 ? LoopbackPorts.PickFree() : options.Port;
            var stderr = new OutputTail();
            Process process = Launch(wrapper, tableMain, parentProcessId, port, location, options.Silent, stderr);
            try
            {
                await WaitUntilListeningAsync(process, port, stderr, cancellationToken).ConfigureAwait(false);
                return new AzuriteProcess(process, port);
            }
            catch (AzuriteStartException e) when (attempt < attempts && e.Message.Contains("EADDRINUSE", StringComparison.Ordinal))
            {
                await StopAsync(process).ConfigureAwait(false);
            }
            catch
            {
                await StopAsync(process).ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Kills Azurite (and anything it started) and waits until it has exited.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await StopAsync(_process).ConfigureAwait(false);
        }
    }

    private static Process Launch(string wrapper, string tableMain, int parentProcessId, int port, string? location, bool silent, OutputTail stderr)
    {
        var startInfo = new ProcessStartInfo("node")
        {
            // In memory Azurite still checks that its location (the working directory) is writable.
            WorkingDirectory = location ?? Path.GetTempPath(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] arguments =
        [
            wrapper, parentProcessId.ToString(CultureInfo.InvariantCulture), tableMain,
            "--tableHost", "127.0.0.1",
            "--tablePort", port.ToString(CultureInfo.InvariantCulture),
            "--disableTelemetry", "--skipApiVersionCheck", "--disableProductStyleUrl",
        ];
        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        if (location is null)
        {
            startInfo.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            startInfo.ArgumentList.Add("--location");
            startInfo.ArgumentList.Add(location);
        }

        if (silent)
        {
            startInfo.ArgumentList.Add("--silent");
        }

        Process process;
        try
        {
            process = Process.Start(startInfo) ?? throw new InvalidOperationException("node did not start.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException("Azurite needs Node.js, but 'node' was not found on PATH. Install Node.js 18 or later.", e);
        }

        process.OutputDataReceived += (_, e) =>
        {
            if (!silent && e.Data is not null)
            {
                Console.WriteLine($"[azurite] {e.Data}");
            }
        };
        process.ErrorDataReceived += (_, e) => stderr.Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitUntilListeningAsync(Process process, int port, OutputTail stderr, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                // Let the stderr reader catch up with what the process wrote before it died.
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                throw new AzuriteStartException($"Azurite exited with code {process.ExitCode} before listening on port {port}:{Environment.NewLine}{stderr}");
            }

            if (await AcceptsConnectionAsync(port, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            if (stopwatch.Elapsed > StartTimeout)
            {
                throw new AzuriteStartException($"Azurite did not listen on port {port} within {StartTimeout.TotalSeconds:0} s:{Environment.NewLine}{stderr}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<bool> AcceptsConnectionAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient(AddressFamily.InterNetwork);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }


    private static string FindWrapper(string root)
    {
        string[] candidates =
        [
            Path.Combine(AppContext.BaseDirectory, "Azurite", WrapperFileName),
            Path.Combine(root, "src", "ModelGate.DevHost", "Azurite", WrapperFileName),
        ];
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException($"{WrapperFileName} was found neither in the build output nor in the source tree ({string.Join(", ", candidates)}).");
    }

    private static async Task StopAsync(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            using var timeout = new CancellationTokenSource(ExitTimeout);
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // The process was never started or has already been reaped.
        }
        catch (OperationCanceledException e)
        {
            throw new TimeoutException($"Azurite (process {process.Id}) did not exit within {ExitTimeout.TotalSeconds:0} s of being killed.", e);
        }
        finally
        {
            process.Dispose();
        }
    }
}
