using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ModelGate.Bench;

/// <summary>What every server subcommand does around its app: announce the address, serve until told to stop.</summary>
internal static class Serving
{
    /// <summary>The loopback address Kestrel bound, which tells a caller that asked for port 0 where to go.</summary>
    public static Uri AddressOf(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>Blocks until SIGINT or SIGTERM (bench/run.sh sends SIGTERM), so the caller can dispose in order.</summary>
    public static async Task UntilStoppedAsync()
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stopped.TrySetResult();
        }
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        await stopped.Task;
    }

    /// <summary>
    /// Keeps <paramref name="path"/> holding this process's allocated bytes, collection counts and total GC pause, rewritten every 100 ms,
    /// so bench/run.sh can read them before and after a measurement (the process is idle then, so both reads are
    /// exact) and report bytes allocated per request. Disposing stops the writing.
    /// </summary>
    public static IDisposable? WriteStats(string? path)
    {
        if (path is null) return null;
        var writer = new StatsWriter();
        _ = writer.RunAsync(path);
        return writer;
    }

    private sealed class StatsWriter : IDisposable
    {
        private readonly CancellationTokenSource stop = new();

        public async Task RunAsync(string path)
        {
            // One loop, not timer callbacks: on a loaded machine callbacks overlap and race for the temporary file.
            using var every = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            var temporary = path + ".tmp";
            try
            {
                do
                {
                    await File.WriteAllTextAsync(temporary, string.Create(CultureInfo.InvariantCulture,
                        $"allocated={GC.GetTotalAllocatedBytes()} gen0={GC.CollectionCount(0)} gen1={GC.CollectionCount(1)} gen2={GC.CollectionCount(2)} pause_us={(long)GC.GetTotalPauseDuration().TotalMicroseconds}\n"));
                    File.Move(temporary, path, overwrite: true); // readers never see half a line
                }
                while (await every.WaitForNextTickAsync(stop.Token));
            }
            catch (OperationCanceledException)
            {
                // Stopped with the server.
            }
        }

        public void Dispose()
        {
            stop.Cancel();
            stop.Dispose();
        }
    }

    /// <summary>The one line bench/run.sh waits for; flushed at once because stdout is a file there.</summary>
    public static void Ready(params (string Name, string Value)[] fields)
    {
        Console.Out.WriteLine("READY " + string.Join(' ', fields.Select(f => f.Name + "=" + f.Value)));
        Console.Out.Flush();
    }
}
