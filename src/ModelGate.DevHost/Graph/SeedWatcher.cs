using System.Security.Cryptography;

namespace ModelGate.DevHost.Graph;

/// <summary>
/// Keeps the directory equal to the seed file: loads it at start, then polls it and applies each saved edit as
/// directory changes. Polling rather than a file watcher, because editors save in ways (rename over, truncate then
/// write) that watchers report unreliably; the content hash decides whether anything changed. A file that does not
/// parse (often a save caught half way) is skipped until the next edit.
/// </summary>
internal sealed class SeedWatcher : IAsyncDisposable
{
    private readonly string _path;
    private readonly TenantDirectory _directory;
    private readonly GraphCounters _counters;
    private readonly Action<string>? _log;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _polling;
    private byte[] _lastHash = [];

    private SeedWatcher(string path, TenantDirectory directory, GraphCounters counters, TimeSpan interval, Action<string>? log)
    {
        _path = path;
        _directory = directory;
        _counters = counters;
        _log = log;
        if (File.Exists(path))
        {
            // At start a broken file stops the fake, rather than serve an empty directory the developer did not write.
            var bytes = File.ReadAllBytes(path);
            directory.Replace(SeedFile.Parse(bytes, path));
            _lastHash = SHA256.HashData(bytes);
        }

        _polling = PollAsync(interval, _stopping.Token);
    }

    public static SeedWatcher Start(string path, TenantDirectory directory, GraphCounters counters, TimeSpan interval, Action<string>? log) =>
        new(Path.GetFullPath(path), directory, counters, interval, log);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _polling;
        _stopping.Dispose();
    }

    private async Task PollAsync(TimeSpan interval, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                Reload();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopped with the fake.
        }
    }

    private void Reload()
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(_path);
        }
        catch (IOException)
        {
            // Missing, or being written right now: the next tick looks again.
            return;
        }

        var hash = SHA256.HashData(bytes);
        if (hash.AsSpan().SequenceEqual(_lastHash))
        {
            return;
        }

        _lastHash = hash;
        try
        {
            var changed = _directory.Replace(SeedFile.Parse(bytes, _path));
            _counters.CountSeedReload();
            if (changed)
            {
                _log?.Invoke($"Graph fake: reloaded {_path}");
            }
        }
        catch (InvalidDataException invalid)
        {
            _log?.Invoke($"Graph fake: kept the previous directory; {invalid.Message}");
        }
    }
}
