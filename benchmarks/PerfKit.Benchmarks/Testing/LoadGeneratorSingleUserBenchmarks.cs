using BenchmarkDotNet.Attributes;
using PerfKit.Testing;

namespace PerfKit.Benchmarks.Testing;

/// <summary>
/// The load generator's own cost per iteration on one thread: 20,000 iterations of a no-op scenario by one virtual
/// user, against a hand-written loop that times and records the same no-op on one thread. With two users on two cores
/// (<see cref="LoadGeneratorBenchmarks"/>) the ratio depends on how the two workers share the cores and is bimodal
/// (2.1-3.6×); one user measures the per-iteration bookkeeping alone (clock reads, the iteration counter, the
/// in-flight slot, the striped recorder), so the guard can hold it to a tight limit.
/// </summary>
[MemoryDiagnoser]
public class LoadGeneratorSingleUserBenchmarks
{
    private const int Iterations = 20_000;
    private static readonly Func<ScenarioContext, ValueTask> NoOp = static _ => ValueTask.CompletedTask;

    [Benchmark(Baseline = true, OperationsPerInvoke = Iterations)]
    public async Task<long> HandWrittenLoop()
    {
        var histogram = new LatencyHistogram();
        await Task.Run(async () =>
        {
            for (var i = 0; i < Iterations; i++)
            {
                var started = TimeProvider.System.GetTimestamp();
                await NoOp(null!);
                histogram.Record(TimeProvider.System.GetElapsedTime(started));
            }
        });
        return histogram.Count;
    }

    [Benchmark(OperationsPerInvoke = Iterations)]
    public async Task<long> NoOpIterations() =>
        (await LoadTest.RunAsync("no-op", NoOp, new ClosedModel(1) { Iterations = Iterations })).Iterations;
}
