using System.Diagnostics.Metrics;
using PerfKit.Shared;
using Instruments = PerfKit.Memory.PerfKitMemoryDiagnostics.Instruments;
using Tags = PerfKit.Memory.PerfKitMemoryDiagnostics.Tags;

namespace PerfKit.Memory.Internal;

/// <summary>
/// The instruments of the PerfKit.Memory meter. One instance per <see cref="Meter"/>: observable instruments read
/// a registry of live budgets and pools, so pools and budgets come and go without leaking instruments.
/// </summary>
internal sealed class MemoryMetrics
{
    private readonly Lock _sync = new();
    private readonly List<WeakReference<MemoryBudget>> _budgets = [];
    private readonly List<WeakReference<IPoolStatisticsSource>> _pools = [];

    private MemoryMetrics(Meter meter)
    {
        Reclaims = meter.CreateCounter<long>(Instruments.Reclaims, "{reclaim}", "Reclaims run, by trigger and result.");
        ReclaimedBytes = meter.CreateCounter<long>(Instruments.Reclaimed, "By", "Bytes freed by reclaims, as measured.");
        ReclaimDuration = meter.CreateHistogram<double>(Instruments.ReclaimDuration, "s", "How long reclaims took.");
        ResponderFailures = meter.CreateCounter<long>(Instruments.ResponderFailures, "{failure}", "Responders that threw or timed out, by responder and outcome.");
        ResourceLoads = meter.CreateCounter<long>(Instruments.ResourceLoads, "{load}", "Lazy resource loads, by resource and result.");
        ResourceLoadDuration = meter.CreateHistogram<double>(Instruments.ResourceLoadDuration, "s", "How long lazy resources took to load.");
        ResourceUnloads = meter.CreateCounter<long>(Instruments.ResourceUnloads, "{unload}", "Lazy resource unloads, by resource and reason.");

        meter.CreateObservableGauge(Instruments.PressureLevel, () => ObserveBudgets(static b => (long)b.Level), "{level}", "Pressure level: 0 Normal, 1 Elevated, 2 High, 3 Critical.");
        meter.CreateObservableGauge(Instruments.Budget, () => ObserveBudgets(static b => b.BudgetBytes), "By", "The memory budget.");
        meter.CreateObservableGauge(Instruments.Usage, () => ObserveBudgets(static b => b.UsageBytes), "By", "Memory usage counted against the budget.");
        meter.CreateObservableCounter(Instruments.PoolRents, () => ObservePools(static s => s.Rents), "{rent}", "Rents from PerfKit pools.");
        meter.CreateObservableCounter(Instruments.PoolMisses, () => ObservePools(static s => s.Misses), "{rent}", "Rents a pool could not serve from what it retained.");
        meter.CreateObservableCounter(Instruments.PoolReturns, () => ObservePools(static s => s.Returns), "{return}", "Returns to PerfKit pools.");
        meter.CreateObservableCounter(Instruments.PoolDropped, () => ObservePools(static s => s.Dropped), "{return}", "Returns a pool dropped because it was full or over its byte cap.");
        meter.CreateObservableCounter(Instruments.PoolTrims, () => ObservePools(static s => s.Trims), "{trim}", "Pool trims.");
        meter.CreateObservableGauge(Instruments.PoolRetained, () => ObservePools(static s => s.RetainedBytes), "By", "Bytes a pool retains.");
    }

    public Counter<long> Reclaims { get; }

    public Counter<long> ReclaimedBytes { get; }

    public Histogram<double> ReclaimDuration { get; }

    public Counter<long> ResponderFailures { get; }

    public Counter<long> ResourceLoads { get; }

    public Histogram<double> ResourceLoadDuration { get; }

    public Counter<long> ResourceUnloads { get; }

    public static MemoryMetrics For(IMeterFactory? meterFactory) =>
        MeterCache<MemoryMetrics>.For(meterFactory, PerfKitMemoryDiagnostics.MeterName, static m => new MemoryMetrics(m));

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
                    result.Add(new Measurement<long>(read(pool.GetStatistics()), new KeyValuePair<string, object?>(Tags.Pool, pool.Name)));
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
