using BenchmarkDotNet.Attributes;
using PerfKit.Testing;

namespace PerfKit.Benchmarks.Testing;

/// <summary>
/// The load generator's own cost. <c>NoOpIterations</c>: 20,000 iterations of a no-op scenario by 2 virtual users,
/// reported per iteration (target ≥ 200,000 iterations a second on 2 cores, i.e. ≤ 5 µs each), against a hand-written
/// loop that only times and records the same no-op. <c>TenThousandUsers</c>: one iteration each for 10,000 virtual
/// users, whose allocation is the generator's memory per user (target: 10,000 users within 50 MB).
/// </summary>
[MemoryDiagnoser]
public class LoadGeneratorBenchmarks
{
    private const int Iterations = 20_000;
    private static readonly Func<ScenarioContext, ValueTask> NoOp = static _ => ValueTask.CompletedTask;

    [Benchmark(Baseline = true, OperationsPerInvoke = Iterations)]
    public async Task<long> HandWrittenLoop()
    {
        var histograms = new[] { new LatencyHistogram(), new LatencyHistogram() };
        var workers = Enumerable.Range(0, 2).Select(w => Task.Run(async () =>
        {
            var histogram = histograms[w];
            for (var i = 0; i < Iterations / 2; i++)
            {
                var started = TimeProvider.System.GetTimestamp();
                await NoOp(null!);
                histogram.Record(TimeProvider.System.GetElapsedTime(started));
            }
        })).ToArray();
        await Task.WhenAll(workers);
        return histograms[0].Count + histograms[1].Count;
    }

    [Benchmark(OperationsPerInvoke = Iterations)]
    public async Task<long> NoOpIterations() =>
        (await LoadTest.RunAsync("no-op", NoOp, new ClosedModel(2) { Iterations = Iterations })).Iterations;

    [Benchmark]
    public async Task<long> TenThousandUsers() =>
        (await LoadTest.RunAsync("users", NoOp, new ClosedModel(10_000) { Iterations = 10_000 })).Iterations;
}
