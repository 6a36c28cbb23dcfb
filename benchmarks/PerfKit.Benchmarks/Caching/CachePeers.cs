using BitFaster.Caching.Lru;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using PerfKit.Caching;
using ZiggyCreatures.Caching.Fusion;

namespace PerfKit.Benchmarks.Caching;

/// <summary>A typical mutable DTO, as most applications cache them.</summary>
public sealed class Product
{
    public int Id { get; set; }

    public string Name { get; set; } = "";

    public decimal Price { get; set; }
}

/// <summary>
/// The same DTO made immutable the way HybridCache recognises (sealed, <c>[ImmutableObject(true)]</c>): its documented
/// fast path, where a hit returns the cached instance instead of deserializing a copy.
/// </summary>
[System.ComponentModel.ImmutableObject(true)]
public sealed class ImmutableProduct(int id, string name, decimal price)
{
    public int Id { get; } = id;

    public string Name { get; } = name;

    public decimal Price { get; } = price;

    public static ImmutableProduct Make(string key) => new(key.Length, key, 9.99m);
}

/// <summary>The caches under test, each in its default L1-only configuration.</summary>
public sealed class CachePeers : IDisposable
{
    private readonly ServiceProvider _services;

    public CachePeers(int capacity)
    {
        var services = new ServiceCollection();
        services.AddHybridCache();
        _services = services.BuildServiceProvider();
        Hybrid = _services.GetRequiredService<HybridCache>();
        Fusion = new FusionCache(new FusionCacheOptions());
        PerfKit = new PerfKitCache(new PerfKitCacheOptions { MaximumEntries = capacity });
        BitFaster = new ConcurrentLru<string, Product>(capacity);
    }

    public HybridCache Hybrid { get; }

    public FusionCache Fusion { get; }

    public PerfKitCache PerfKit { get; }

    public ConcurrentLru<string, Product> BitFaster { get; }

    public static Product Make(string key) => new() { Id = key.Length, Name = key, Price = 9.99m };

    public void Dispose()
    {
        Fusion.Dispose();
        PerfKit.Dispose();
        _services.Dispose();
    }
}
