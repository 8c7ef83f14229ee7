using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ModelGate.Tests.Infrastructure;

/// <summary>Keeps every log entry of an app (message, state values and exception text) so tests can search them.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> entries = new();

    public IReadOnlyCollection<string> Entries => entries;

    /// <summary>Entries containing <paramref name="text"/> anywhere (ordinal).</summary>
    public IReadOnlyList<string> Containing(string text) => entries.Where(e => e.Contains(text, StringComparison.Ordinal)).ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}"))
                : "";
            capture.entries.Enqueue($"{logLevel} {category}: {formatter(state, exception)} [{values}] {exception}");
        }
    }
}
