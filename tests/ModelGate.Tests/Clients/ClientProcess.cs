using System.ComponentModel;
using System.Diagnostics;

namespace ModelGate.Tests.Clients;

/// <summary>Runs a client program (node, bash) to completion within a bound, keeping everything it printed.</summary>
public static class ClientProcess
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task<ClientRun> RunAsync(string fileName, IReadOnlyList<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string> environment)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) startInfo.ArgumentList.Add(argument);
        foreach (var (name, value) in environment) startInfo.Environment[name] = value;
        // The child talks to loopback only; a machine-wide proxy setting must not catch those calls.
        startInfo.Environment["NO_PROXY"] = startInfo.Environment["no_proxy"] = "127.0.0.1,localhost";

        var command = fileName + " " + string.Join(' ', arguments.Select(a => a.Contains(' ') || a.Contains('\n') ? "'...'" : a));
        Process process;
        try
        {
            process = Process.Start(startInfo) ?? throw new InvalidOperationException($"{fileName} did not start.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"{fileName} was not found on PATH; these tests need it.", e);
        }

        using (process)
        {
            // Nothing is sent on stdin; closing it keeps a program that reads it from waiting forever.
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(Timeout);
            var timedOut = false;
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            return new ClientRun(command, process.ExitCode, timedOut, await stdout, await stderr);
        }
    }
}
