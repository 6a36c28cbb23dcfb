using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using PerfKit.Caching;
using PerfKit.Caching.Hybrid;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.MicrosoftHybridCache;

namespace PerfKit.Benchmarks.Caching;

/// <summary>
/// An L1 hit through Microsoft's <see cref="HybridCache"/> API, the call code written against the abstraction makes:
/// Microsoft's DefaultHybridCache, FusionCache's adapter (<see cref="FusionHybridCache"/>) and PerfKit's adapter
/// (<see cref="PerfKitHybridCache"/>), each L1-only, with an immutable type (Microsoft's fast path: the cached instance is
/// returned, no copy) and the state overload with a static factory, so no caller-side allocation is measured.
/// </summary>
[MemoryDiagnoser]
public class HybridApiHitBenchmarks
{
    private const string Key = "product:42";
    private static readonly Func<string, CancellationToken, ValueTask<ImmutableProduct>> Factory = static (k, _) => ValueTask.FromResult(ImmutableProduct.Make(k));
    private static readonly HybridCacheEntryOptions Options = new() { Expiration = TimeSpan.FromMinutes(5) };
    private ServiceProvider _services = null!;
    private FusionCache _fusion = null!;
    private PerfKitCache _perfKit = null!;
    private HybridCache _microsoftHybrid = null!;
    private HybridCache _fusionHybrid = null!;
    private HybridCache _perfKitHybrid = null!;

    [GlobalSetup]
    public void Setup()
    {
        _services = new ServiceCollection().AddHybridCache().Services.BuildServiceProvider();
        _microsoftHybrid = _services.GetRequiredService<HybridCache>();
        _fusion = new FusionCache(new FusionCacheOptions());
        _fusionHybrid = new FusionHybridCache(_fusion);
        _perfKit = new PerfKitCache(new PerfKitCacheOptions { MaximumEntries = 10_000 });
        _perfKitHybrid = new PerfKitHybridCache(_perfKit);
        foreach (var cache in new[] { _microsoftHybrid, _fusionHybrid, _perfKitHybrid })
        {
            _ = cache.GetOrCreateAsync(Key, Key, Factory).AsTask().GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _fusion.Dispose();
        _perfKit.Dispose();
        _services.Dispose();
    }

    [Benchmark(Baseline = true)]
    public ImmutableProduct MicrosoftHybridCache() => _microsoftHybrid.GetOrCreateAsync(Key, Key, Factory).GetAwaiter().GetResult();

    [Benchmark]
    public ImmutableProduct FusionHybridCache() => _fusionHybrid.GetOrCreateAsync(Key, Key, Factory).GetAwaiter().GetResult();

    [Benchmark]
    public ImmutableProduct PerfKit() => _perfKitHybrid.GetOrCreateAsync(Key, Key, Factory).GetAwaiter().GetResult();

    /// <summary>The same hit with a shared <see cref="HybridCacheEntryOptions"/> instance (mapped once, then memoised).</summary>
    [Benchmark]
    public ImmutableProduct PerfKitWithOptions() => _perfKitHybrid.GetOrCreateAsync(Key, Key, Factory, Options).GetAwaiter().GetResult();
}
