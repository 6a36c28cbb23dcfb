using BenchmarkDotNet.Attributes;
using PerfKit.Caching;

namespace PerfKit.Benchmarks.Caching;

/// <summary>A miss and insert: remove the key, then get-or-create it (the factory runs and the value is stored).</summary>
[MemoryDiagnoser]
public class CacheMissBenchmarks
{
    private const string Key = "product:42";
    private static readonly Product Cached = CachePeers.Make(Key);
    private static readonly ImmutableProduct CachedImmutable = ImmutableProduct.Make(Key);
    private static readonly Func<CacheFactoryContext, string, CancellationToken, ValueTask<Product>> PerfKitFactory = static (_, k, _) => ValueTask.FromResult(Cached);
    private CachePeers _peers = null!;

    [GlobalSetup]
    public void Setup() => _peers = new CachePeers(10_000);

    [GlobalCleanup]
    public void Cleanup() => _peers.Dispose();

    [Benchmark(Baseline = true)]
    public Product FusionCache()
    {
        _peers.Fusion.Remove(Key);
        return _peers.Fusion.GetOrSet<Product>(Key, static (_, _) => Cached);
    }

    [Benchmark]
    public Product HybridCache()
    {
        _peers.Hybrid.RemoveAsync(Key).GetAwaiter().GetResult();
        return _peers.Hybrid.GetOrCreateAsync(Key, Key, static (_, _) => ValueTask.FromResult(Cached)).GetAwaiter().GetResult();
    }

    [Benchmark]
    public ImmutableProduct HybridCacheImmutable()
    {
        _peers.Hybrid.RemoveAsync(Key).GetAwaiter().GetResult();
        return _peers.Hybrid.GetOrCreateAsync(Key, Key, static (_, _) => ValueTask.FromResult(CachedImmutable)).GetAwaiter().GetResult();
    }

    [Benchmark]
    public Product BitFasterConcurrentLru()
    {
        _peers.BitFaster.TryRemove(Key);
        return _peers.BitFaster.GetOrAdd(Key, static _ => Cached);
    }

    [Benchmark]
    public Product PerfKit()
    {
        _peers.PerfKit.RemoveAsync(Key).GetAwaiter().GetResult();
        return _peers.PerfKit.GetOrCreateAsync(Key, Key, PerfKitFactory).GetAwaiter().GetResult();
    }
}
