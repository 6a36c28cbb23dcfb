using BenchmarkDotNet.Attributes;
using PerfKit.Memory;

namespace PerfKit.Benchmarks.Memory;

/// <summary>
/// The cost of one sampling tick of the budget monitor (read heap, working set and container figures, compute the
/// level, publish) against what a hand-written monitor reads: the runtime's own figures, with no PerfKit code. At the
/// default 1 s interval, a tick under 1 ms costs under 0.1% of one core. <c>RuntimeProbeRead</c> (PerfKit's bare
/// probe, most of the tick) is kept to show where the tick's time goes; it is not a peer.
/// </summary>
[MemoryDiagnoser]
public class MemoryMonitorBenchmarks
{
    private readonly MemoryBudget _budget = new(new MemoryBudgetOptions { AutomaticReclaim = false });

    /// <summary>A plain runtime reading: GC memory info (available memory), managed heap and working set.</summary>
    [Benchmark(Baseline = true)]
    public long PlainRuntimeReading()
    {
        var info = GC.GetGCMemoryInfo();
        return info.TotalAvailableMemoryBytes + GC.GetTotalMemory(forceFullCollection: false) + Environment.WorkingSet;
    }

    [Benchmark]
    public MemoryReading RuntimeProbeRead() => RuntimeMemoryProbe.Instance.Read();

    [Benchmark]
    public MemoryPressureLevel BudgetSampleTick() => _budget.Sample();

    [GlobalCleanup]
    public void Cleanup() => _budget.Dispose();
}
