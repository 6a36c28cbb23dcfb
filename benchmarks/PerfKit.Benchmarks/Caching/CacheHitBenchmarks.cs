using BenchmarkDotNet.Attributes;
using PerfKit.Caching;

namespace PerfKit.Benchmarks.Caching;

/// <summary>
/// An L1 hit through each cache's get-or-create API (the call an application makes on every request). HybridCache is
/// measured twice: with a mutable type (it deserializes a copy on every hit, as documented) and with an immutable one
/// (its fast path).
/// </summary>
[MemoryDiagnoser]
public class CacheHitBenchmarks
{
    private const string Key = "product:42";
    private const string ImmutableKey = "immutable-product:42";
    private static readonly Func<CacheFactoryContext, string, CancellationToken, ValueTask<Product>> PerfKitFactory = static (_, k, _) => ValueTask.FromResult(CachePeers.Make(k));
    private CachePeers _peers = null!;

    [GlobalSetup]
    public void Setup()
    {
        _peers = new CachePeers(10_000);
        _ = _peers.PerfKit.GetOrCreateAsync(Key, Key, PerfKitFactory).AsTask().GetAwaiter().GetResult();
        _ = _peers.Hybrid.GetOrCreateAsync(Key, Key, static (k, _) => ValueTask.FromResult(CachePeers.Make(k))).AsTask().GetAwaiter().GetResult();
        _ = _peers.Hybrid.GetOrCreateAsync(ImmutableKey, ImmutableKey, static (k, _) => ValueTask.FromResult(ImmutableProduct.Make(k))).AsTask().GetAwaiter().GetResult();
        _ = _peers.Fusion.GetOrSet<Product>(Key, static (_, _) => CachePeers.Make(Key));
        _ = _peers.BitFaster.GetOrAdd(Key, CachePeers.Make);
    }

    [GlobalCleanup]
    public void Cleanup() => _peers.Dispose();

    [Benchmark(Baseline = true)]
    public Product FusionCache() => _peers.Fusion.GetOrSet<Product>(Key, static (_, _) => CachePeers.Make(Key));

    [Benchmark]
    public Product HybridCache() => _peers.Hybrid.GetOrCreateAsync(Key, Key, static (k, _) => ValueTask.FromResult(CachePeers.Make(k))).GetAwaiter().GetResult();

    /// <summary>HybridCache's fast path: an immutable type is returned as cached, not deserialized.</summary>
    [Benchmark]
    public ImmutableProduct HybridCacheImmutable() => _peers.Hybrid.GetOrCreateAsync(ImmutableKey, ImmutableKey, static (k, _) => ValueTask.FromResult(ImmutableProduct.Make(k))).GetAwaiter().GetResult();

    [Benchmark]
    public Product BitFasterConcurrentLru() => _peers.BitFaster.GetOrAdd(Key, CachePeers.Make);

    [Benchmark]
    public Product PerfKit() => _peers.PerfKit.GetOrCreateAsync(Key, Key, PerfKitFactory).GetAwaiter().GetResult();
}
