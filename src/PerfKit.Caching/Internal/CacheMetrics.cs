using System.Diagnostics;
using System.Diagnostics.Metrics;
using PerfKit.Shared;

namespace PerfKit.Caching.Internal;

/// <summary>
/// The instruments of the PerfKit.Caching meter, one set per <see cref="Meter"/> (src/Shared/MeterCache.cs). Observable instruments read a weak registry of live caches, so a disposed or forgotten cache
/// is never kept alive by telemetry and no instrument is created per cache.
/// </summary>
internal sealed class CacheMetrics
{
    public static readonly ActivitySource ActivitySource = new(PerfKitCachingDiagnostics.ActivitySourceName);

    private readonly Lock _sync = new();
    private readonly List<WeakReference<PerfKitCache>> _caches = [];
    private readonly List<WeakReference<IBatchLoaderGauge>> _loaders = [];

    private CacheMetrics(Meter meter)
    {
        Requests = meter.CreateCounter<long>(PerfKitCachingDiagnostics.Instruments.Requests, "{request}", "Cache lookups, by level (l1, l2, factory) and result (hit, miss, stale, unreadable, skipped).");
        FactoryCalls = meter.CreateCounter<long>(PerfKitCachingDiagnostics.Instruments.FactoryCalls, "{call}", "Factory calls, by result (success, failure, timeout).");
        CoalescedWaits = meter.CreateCounter<long>(PerfKitCachingDiagnostics.Instruments.Coalesced, "{wait}", "Callers that joined a load already running for their key.");
        StaleServed = meter.CreateCounter<long>(PerfKitCachingDiagnostics.Instruments.StaleServed, "{response}", "Stale values served, by reason (failure, soft_timeout, hard_timeout, throttled).");
        Evictions = meter.CreateCounter<long>(PerfKitCachingDiagnostics.Instruments.Evictions, "{entry}", "L1 entries evicted, by reason (capacity, pressure).");
        DistributedErrors = meter.CreateCounter<long>(PerfKitCachingDiagnostics.Instruments.DistributedErrors, "{error}", "Distributed cache and backplane failures, by operation and kind (unavailable, timeout, key).");
        BackplaneMessages = meter.CreateCounter<long>(PerfKitCachingDiagnostics.Instruments.BackplaneMessages, "{message}", "Backplane invalidations, by direction (sent, received).");
        OutboxQueued = meter.CreateCounter<long>(PerfKitCachingDiagnostics.Instruments.OutboxQueued, "{operation}", "L2 writes, removes and tag markers that failed and were queued for replay, by operation.");
        OutboxReplayed = meter.CreateCounter<long>(PerfKitCachingDiagnostics.Instruments.OutboxReplayed, "{operation}", "Queued L2 operations replayed once L2 answered again, by operation.");
        OutboxDropped = meter.CreateCounter<long>(PerfKitCachingDiagnostics.Instruments.OutboxDropped, "{operation}", "Queued L2 operations dropped, by operation and reason (full, key, disposed).");
        ClusterSingleFlight = meter.CreateCounter<long>(PerfKitCachingDiagnostics.Instruments.ClusterSingleFlight, "{load}", "Cluster-wide single-flight loads, by outcome (leader, leader_after_wait, follower, timeout, unavailable).");
        BatchKeys = meter.CreateCounter<long>(PerfKitCachingDiagnostics.Instruments.BatchKeys, "{key}", "Keys asked of batch loaders, by outcome (loaded, missing, failed, coalesced, rejected): coalesced over all is the coalescing ratio.");
        BatchSize = meter.CreateHistogram<int>(PerfKitCachingDiagnostics.Instruments.BatchSize, "{key}", "Distinct keys per call of a batch function, by result (success, failure, timeout).");
        BatchDuration = meter.CreateHistogram<double>(PerfKitCachingDiagnostics.Instruments.BatchDuration, "s", "Duration of a call of a batch function, by result.");
        BatchLinger = meter.CreateHistogram<double>(PerfKitCachingDiagnostics.Instruments.BatchLinger, "s", "How long a batch's first key waited before the batch was sent, by trigger (full, linger).");
        meter.CreateObservableGauge(PerfKitCachingDiagnostics.Instruments.BatchPending, ObservePendingKeys, "{key}", "Distinct keys waiting for their batch or loading, per batch loader.");
        meter.CreateObservableGauge(PerfKitCachingDiagnostics.Instruments.L1Entries, () => Observe(static c => c.Count), "{entry}", "Entries in L1.");
        meter.CreateObservableGauge(PerfKitCachingDiagnostics.Instruments.OutboxPending, () => Observe(static c => c.PendingDistributedOperations), "{operation}", "L2 operations waiting in the outbox for L2 to answer again.");
    }

    public Counter<long> Requests { get; }

    public Counter<long> FactoryCalls { get; }

    public Counter<long> CoalescedWaits { get; }

    public Counter<long> StaleServed { get; }

    public Counter<long> Evictions { get; }

    public Counter<long> DistributedErrors { get; }

    public Counter<long> BackplaneMessages { get; }

    public Counter<long> OutboxQueued { get; }

    public Counter<long> OutboxReplayed { get; }

    public Counter<long> OutboxDropped { get; }

    public Counter<long> ClusterSingleFlight { get; }

    public Counter<long> BatchKeys { get; }

    public Histogram<int> BatchSize { get; }

    public Histogram<double> BatchDuration { get; }

    public Histogram<double> BatchLinger { get; }

    public static CacheMetrics For(IMeterFactory? meterFactory) =>
        MeterCache<CacheMetrics>.For(meterFactory, PerfKitCachingDiagnostics.MeterName, static m => new CacheMetrics(m));

    public void Track(PerfKitCache cache)
    {
        lock (_sync)
        {
            _caches.RemoveAll(static w => !w.TryGetTarget(out _));
            _caches.Add(new WeakReference<PerfKitCache>(cache));
        }
    }

    public void Untrack(PerfKitCache cache)
    {
        lock (_sync)
        {
            _caches.RemoveAll(w => !w.TryGetTarget(out var c) || ReferenceEquals(c, cache));
        }
    }

    public void TrackLoader(IBatchLoaderGauge loader)
    {
        lock (_sync)
        {
            _loaders.RemoveAll(static w => !w.TryGetTarget(out _));
            _loaders.Add(new WeakReference<IBatchLoaderGauge>(loader));
        }
    }

    public void UntrackLoader(IBatchLoaderGauge loader)
    {
        lock (_sync)
        {
            _loaders.RemoveAll(w => !w.TryGetTarget(out var l) || ReferenceEquals(l, loader));
        }
    }

    private List<Measurement<long>> ObservePendingKeys()
    {
        var result = new List<Measurement<long>>();
        lock (_sync)
        {
            _loaders.RemoveAll(static w => !w.TryGetTarget(out _));
            foreach (var weak in _loaders)
            {
                if (weak.TryGetTarget(out var loader))
                {
                    result.Add(new Measurement<long>(loader.PendingKeys, new KeyValuePair<string, object?>(PerfKitCachingDiagnostics.Tags.BatchLoader, loader.Name)));
                }
            }
        }

        return result;
    }

    private List<Measurement<long>> Observe(Func<PerfKitCache, long> read)
    {
        var result = new List<Measurement<long>>();
        lock (_sync)
        {
            _caches.RemoveAll(static w => !w.TryGetTarget(out _));
            foreach (var weak in _caches)
            {
                if (weak.TryGetTarget(out var cache))
                {
                    result.Add(new Measurement<long>(read(cache), new KeyValuePair<string, object?>(PerfKitCachingDiagnostics.Tags.Cache, cache.Name)));
                }
            }
        }

        return result;
    }
}

/// <summary>One cache's view of the shared instruments: adds its name tag to every measurement.</summary>
internal readonly struct CacheMeter(CacheMetrics metrics, string cacheName)
{
    private readonly KeyValuePair<string, object?> _cache = new(PerfKitCachingDiagnostics.Tags.Cache, cacheName);

    public CacheMetrics Instruments => metrics;

    public void Request(string level, string result)
    {
        if (metrics.Requests.Enabled)
        {
            metrics.Requests.Add(1, _cache, new("level", level), new("result", result));
        }
    }

    public void Add(Counter<long> counter, string tag, string value, long amount = 1)
    {
        if (counter.Enabled)
        {
            counter.Add(amount, _cache, new(tag, value));
        }
    }

    public void Add(Counter<long> counter, string tag1, string value1, string tag2, string value2)
    {
        if (counter.Enabled)
        {
            counter.Add(1, _cache, new(tag1, value1), new(tag2, value2));
        }
    }

    public void Add(Counter<long> counter)
    {
        if (counter.Enabled)
        {
            counter.Add(1, _cache);
        }
    }
}
