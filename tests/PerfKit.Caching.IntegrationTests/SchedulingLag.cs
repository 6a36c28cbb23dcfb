using System.Diagnostics;

namespace PerfKit.Caching.IntegrationTests;

/// <summary>
/// Measures how late a 10 ms timer fires in this process while it runs: on a shared, loaded machine a child process's
/// slow call is only evidence against the cache if the test process itself was not starved of CPU at the same time.
/// </summary>
public sealed class SchedulingLag : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _loop;
    private readonly List<(double Ms, double AtMs)> _lags = [];

    public SchedulingLag() => _loop = Task.Run(LoopAsync);

    /// <summary>Milliseconds since this monitor started, the time line of <see cref="Worst"/>.</summary>
    public double NowMs => _clock.Elapsed.TotalMilliseconds;

    /// <summary>The worst lags (over 50 ms) seen so far, worst first, as "lag at time".</summary>
    public IReadOnlyList<string> Worst(int count)
    {
        lock (_lags)
        {
            return [.. _lags.OrderByDescending(static l => l.Ms).Take(count).Select(static l => $"{l.Ms:F0} ms at +{l.AtMs:F0} ms")];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var start = _clock.Elapsed.TotalMilliseconds;
            await Task.Delay(10, CancellationToken.None);
            var lag = _clock.Elapsed.TotalMilliseconds - start - 10;
            if (lag > 50)
            {
                lock (_lags)
                {
                    _lags.Add((lag, start));
                }
            }
        }
    }
}
