using Microsoft.Extensions.Logging;

namespace PerfKit.Caching.NodeHost;

/// <summary>
/// Logs one line per entry to stderr (stdout carries the protocol), exception type and message without the stack, and
/// counts entries by level, so a test can see how much a node logged during an outage.
/// </summary>
internal sealed class StandardErrorLoggerProvider : ILoggerProvider
{
    private readonly Lock _sync = new();
    private readonly long[] _counts = new long[(int)LogLevel.None + 1];

    public long Count(LogLevel level) => Interlocked.Read(ref _counts[(int)level]);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Write(LogLevel level, string category, string message, Exception? exception)
    {
        Interlocked.Increment(ref _counts[(int)level]);
        var at = $"t={NodeClock.NowMs:F0}";
        var line = exception is null ? $"{at} {level} {category}: {message}" : $"{at} {level} {category}: {message} [{exception.GetType().Name}: {exception.Message}]";
        lock (_sync)
        {
            Console.Error.WriteLine(line.ReplaceLineEndings(" "));
        }
    }

    private sealed class Logger(StandardErrorLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Write(logLevel, category, formatter(state, exception), exception);
            }
        }
    }
}
