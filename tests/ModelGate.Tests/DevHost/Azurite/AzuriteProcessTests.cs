using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ModelGate.DevHost.Azurite;

namespace ModelGate.Tests.DevHost.Azurite;

public sealed class AzuriteProcessTests
{
    [Fact]
    public void RepoPaths_Root_HoldsTheSolution()
    {
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, "Functions.sln")));
    }

    [Fact]
    public async Task DisposeAsync_RunningAzurite_EndsTheProcessAndClosesThePort()
    {
        AzuriteProcess azurite = await AzuriteProcess.StartAsync(new AzuriteOptions());
        int processId = azurite.ProcessId;
        Assert.True(await AcceptsConnectionAsync(azurite.Port));
        Assert.Equal($"http://127.0.0.1:{azurite.Port}/devstoreaccount1", azurite.TableServiceUri.ToString().TrimEnd('/'));

        await azurite.DisposeAsync();

        Assert.False(IsRunning(processId));
        Assert.False(await AcceptsConnectionAsync(azurite.Port));
    }

    [Fact]
    public async Task StartAsync_ParentKilledWithoutCleanup_AzuriteExitsOnItsOwn()
    {
        using Process parent = Process.Start(new ProcessStartInfo("node", ["-e", "setTimeout(() => {}, 60000)"]))!;
        AzuriteProcess azurite = await AzuriteProcess.StartAsync(new AzuriteOptions(), parent.Id, CancellationToken.None);
        try
        {
            int processId = azurite.ProcessId;
            Assert.True(await AcceptsConnectionAsync(azurite.Port));

            parent.Kill();
            await parent.WaitForExitAsync();

            var stopwatch = Stopwatch.StartNew();
            while (IsRunning(processId) && stopwatch.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(100);
            }

            Assert.False(IsRunning(processId), "Azurite outlived its parent.");
            Assert.False(await AcceptsConnectionAsync(azurite.Port));
        }
        finally
        {
            await azurite.DisposeAsync();
        }
    }

    [Fact]
    public async Task StartAsync_WithLocation_PersistsToThatFolder()
    {
        string folder = Path.Combine(Path.GetTempPath(), "azurite-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (AzuriteProcess azurite = await AzuriteProcess.StartAsync(new AzuriteOptions { Location = folder }))
            {
                Assert.True(await AcceptsConnectionAsync(azurite.Port));
            }

            Assert.NotEmpty(System.IO.Directory.EnumerateFileSystemEntries(folder));
        }
        finally
        {
            System.IO.Directory.Delete(folder, recursive: true);
        }
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using Process process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static async Task<bool> AcceptsConnectionAsync(int port)
    {
        using var client = new TcpClient(AddressFamily.InterNetwork);
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(2));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
