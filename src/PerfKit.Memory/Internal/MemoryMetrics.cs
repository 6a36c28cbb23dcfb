using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace PerfKit.Memory.Internal;

/// <summary>
/// The instruments of the PerfKit.Memory meter. One instance per <see cref="Meter"/>: observable instruments read
/// a registry of live budgets and pools, so pools and budgets come and go without leaking instruments.
/// </summary>
internal sealed class MemoryMetrics
{
    private static readonly ConditionalWeakTable<Meter, MemoryMetrics> ByMeter = new();
    private static readonly Lazy<Meter> SharedMeter = new(() => new Meter(PerfKitMemoryDiagnostics.MeterName));

    private readonly Lock _sync = new();
    private readonly List<WeakReference<MemoryBudget>> _budgets = [];
    private readonly List<WeakReference<IPoolStatisticsSource>> _pools = [];

    private MemoryMetrics(Meter meter)
    {
        Reclaims = meter.CreateCounter<long>("perfkit.memory.reclaims", "{reclaim}", "Reclaims run, by trigger and result.");
        ReclaimedBytes = meter.CreateCounter<long>("perfkit.memory.reclaimed", "By", "Bytes freed by reclaims, as measured.");
        ReclaimDuration = meter.CreateHistogram<double>("perfkit.memory.reclaim.duration", "s", "How long reclaims took.");
        ResponderFailures = meter.CreateCounter<long>("perfkit.memory.responder.failures", "{failure}", "Responders that threw or timed out, by responder and outcome.");
        ResourceLoads = meter.CreateCounter<long>("perfkit.memory.resource.loads", "{load}", "Lazy resource loads, by resource and result.");
        ResourceLoadDuration = meter.CreateHistogram<double>("perfkit.memory.resource.load.duration", "s", "How long lazy resources took to load.");
        ResourceUnloads = meter.CreateCounter<long>("perfkit.memory.resource.unloads", "{unload}", "Lazy resource unloads, by resource and reason.");

        meter.CreateObservableGauge("perfkit.memory.pressure.level", () => ObserveBudgets(static b => (long)b.Level), "{level}", "Pressure level: 0 Normal, 1 Elevated, 2 High, 3 Critical.");
        meter.CreateObservableGauge("perfkit.memory.budget", () => ObserveBudgets(static b => b.BudgetBytes), "By", "The memory budget.");
        meter.CreateObservableGauge("perfkit.memory.usage", () => ObserveBudgets(static b => b.UsageBytes), "By", "Memory usage counted against the budget.");
        meter.CreateObservableCounter("perfkit.memory.pool.rents", () => ObservePools(static s => s.Rents), "{rent}", "Rents from PerfKit pools.");
        meter.CreateObservableCounter("perfkit.memory.pool.misses", () => ObservePools(static s => s.Misses), "{rent}", "Rents a pool could not serve from what it retained.");
        meter.CreateObservableCounter("perfkit.memory.pool.returns", () => ObservePools(static s => s.Returns), "{return}", "Returns to PerfKit pools.");
        meter.CreateObservableCounter("perfkit.memory.pool.dropped", () => ObservePools(static s => s.Dropped), "{return}", "Returns a pool dropped because it was full or over its byte cap.");
        meter.CreateObservableCounter("perfkit.memory.pool.trims", () => ObservePools(static s => s.Trims), "{trim}", "Pool trims.");
        meter.CreateObservableGauge("perfkit.memory.pool.retained", () => ObservePools(static s => s.RetainedBytes), "By", "Bytes a pool retains.");
    }

    public Counter<long> Reclaims { get; }

    public Counter<long> ReclaimedBytes { get; }

    public Histogram<double> ReclaimDuration { get; }

    public Counter<long> ResponderFailures { get; }

    public Counter<long> ResourceLoads { get; }

    public Histogram<double> ResourceLoadDuration { get; }

    public Counter<long> ResourceUnloads { get; }

    public static MemoryMetrics For(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(new MeterOptions(PerfKitMemoryDiagnostics.MeterName)) ?? SharedMeter.Value;
        return ByMeter.GetValue(meter, static m => new MemoryMetrics(m));
    }

    public void Track(MemoryBudget budget)
    {
        lock (_sync)
        {
            _budgets.Add(new WeakReference<MemoryBudget>(budget));
        }
    }

    public void Track(IPoolStatisticsSource pool)
    {
        lock (_sync)
        {
            _pools.Add(new WeakReference<IPoolStatisticsSource>(pool));
        }
    }

    public void Untrack(IPoolStatisticsSource pool)
    {
        lock (_sync)
        {
            _pools.RemoveAll(w => !w.TryGetTarget(out var p) || ReferenceEquals(p, pool));
        }
    }

    private List<Measurement<long>> ObserveBudgets(Func<MemoryBudget, long> read)
    {
        var result = new List<Measurement<long>>();
        lock (_sync)
        {
            _budgets.RemoveAll(w => !w.TryGetTarget(out _));
            foreach (var weak in _budgets)
            {
                if (weak.TryGetTarget(out var budget) && budget.IsRunning)
                {
                    result.Add(new Measurement<long>(read(budget)));
                }
            }
        }

        return result;
    }

    private List<Measurement<long>> ObservePools(Func<Pooling.PoolStatistics, long> read)
    {
        var result = new List<Measurement<long>>();
        lock (_sync)
        {
            _pools.RemoveAll(w => !w.TryGetTarget(out _));
            foreach (var weak in _pools)
            {
                if (weak.TryGetTarget(out var pool))
                {
                    result.Add(new Measurement<long>(read(pool.GetStatistics()), new KeyValuePair<string, object?>("pool", pool.Name)));
                }
            }
        }

        return result;
    }
}

/// <summary>What the metrics read from a pool.</summary>
internal interface IPoolStatisticsSource
{
    string Name { get; }

    Pooling.PoolStatistics GetStatistics();
}
