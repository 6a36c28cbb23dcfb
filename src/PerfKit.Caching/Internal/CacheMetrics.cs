using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PerfKit.Caching.Internal;

/// <summary>The instruments of one cache, tagged with its name.</summary>
internal sealed class CacheMetrics
{
    public static readonly ActivitySource ActivitySource = new(PerfKitCachingDiagnostics.ActivitySourceName);
    private static readonly Lazy<Meter> SharedMeter = new(() => new Meter(PerfKitCachingDiagnostics.MeterName));

    private readonly KeyValuePair<string, object?> _cache;

    public CacheMetrics(string cacheName, IMeterFactory? meterFactory, Func<long> l1Count)
    {
        var meter = meterFactory?.Create(new MeterOptions(PerfKitCachingDiagnostics.MeterName)) ?? SharedMeter.Value;
        _cache = new("cache", cacheName);
        Requests = meter.CreateCounter<long>("perfkit.cache.requests", "{request}", "Cache lookups, by level (l1, l2, factory) and result (hit, miss, stale).");
        FactoryCalls = meter.CreateCounter<long>("perfkit.cache.factory.calls", "{call}", "Factory calls, by result (success, failure, timeout).");
        CoalescedWaits = meter.CreateCounter<long>("perfkit.cache.coalesced", "{wait}", "Callers that joined a load already running for their key.");
        StaleServed = meter.CreateCounter<long>("perfkit.cache.stale_served", "{response}", "Stale values served, by reason (failure, soft_timeout, hard_timeout, throttled).");
        Evictions = meter.CreateCounter<long>("perfkit.cache.evictions", "{entry}", "L1 entries evicted, by reason (capacity, pressure).");
        DistributedErrors = meter.CreateCounter<long>("perfkit.cache.l2.errors", "{error}", "Distributed cache and backplane failures, by operation.");
        BackplaneMessages = meter.CreateCounter<long>("perfkit.cache.backplane.messages", "{message}", "Backplane invalidations, by direction (sent, received).");
        meter.CreateObservableGauge("perfkit.cache.l1.entries", () => new Measurement<long>(l1Count(), _cache), "{entry}", "Entries in L1.");
    }

    public Counter<long> Requests { get; }

    public Counter<long> FactoryCalls { get; }

    public Counter<long> CoalescedWaits { get; }

    public Counter<long> StaleServed { get; }

    public Counter<long> Evictions { get; }

    public Counter<long> DistributedErrors { get; }

    public Counter<long> BackplaneMessages { get; }

    public void Request(string level, string result)
    {
        if (Requests.Enabled)
        {
            Requests.Add(1, _cache, new("level", level), new("result", result));
        }
    }

    public void Add(Counter<long> counter, string tag, string value, long amount = 1)
    {
        if (counter.Enabled)
        {
            counter.Add(amount, _cache, new(tag, value));
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
