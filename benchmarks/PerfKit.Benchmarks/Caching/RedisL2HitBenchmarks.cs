using BenchmarkDotNet.Attributes;
using PerfKit.Caching;
using PerfKit.Caching.Redis;
using StackExchange.Redis;

namespace PerfKit.Benchmarks.Caching;

/// <summary>
/// An L2 hit from Redis through PerfKit, against a raw <c>StringGetAsync</c> of the same payload on the same
/// connection (the baseline). The cache holds one L1 entry and the calls alternate between two keys, so every call misses
/// L1 and reads L2 (and stores the value in L1, evicting the other). The store alone (<see cref="RedisDistributedCacheStore"/>)
/// is measured too. Needs a Redis-protocol server: <c>PERFKIT_REDIS</c> (host:port), else 127.0.0.1:6379.
/// </summary>
[MemoryDiagnoser]
public class RedisL2HitBenchmarks
{
    private static readonly Func<CacheFactoryContext, string, CancellationToken, ValueTask<Product>> Unexpected =
        static (_, k, _) => throw new InvalidOperationException($"The factory ran for {k}: the L2 read missed, so this benchmark measures the wrong thing.");

    private readonly string[] _keys = ["bench:l2:a", "bench:l2:b"];
    private RedisConnection _connection = null!;
    private IDatabase _database = null!;
    private RedisDistributedCacheStore _store = null!;
    private PerfKitCache _cache = null!;
    private RedisKey[] _rawKeys = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var options = new PerfKitRedisOptions { Configuration = Environment.GetEnvironmentVariable("PERFKIT_REDIS") ?? "127.0.0.1:6379", KeyPrefix = "perfkit-bench:" };
        _connection = new RedisConnection(options);
        _store = new RedisDistributedCacheStore(_connection, options);
        _cache = new PerfKitCache(new PerfKitCacheOptions { MaximumEntries = 1 }, new PerfKitCacheDependencies { DistributedCache = _store });
        using (var writer = new PerfKitCache(new PerfKitCacheOptions(), new PerfKitCacheDependencies { DistributedCache = _store }))
        {
            foreach (var key in _keys)
            {
                writer.SetAsync(key, CachePeers.Make(key), new CacheEntryOptions { Duration = TimeSpan.FromHours(1) }).AsTask().GetAwaiter().GetResult();
            }
        }

        _database = _connection.GetAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult().GetDatabase();
        _rawKeys = [.. _keys.Select(k => (RedisKey)(options.KeyPrefix + k))];
        foreach (var key in _rawKeys)
        {
            if (!_database.KeyExists(key))
            {
                throw new InvalidOperationException($"{key} is not in Redis: the set-up did not reach the server.");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cache.Dispose();
        _connection.Dispose();
    }

    [Benchmark(Baseline = true)]
    public byte[]? RawStringGet() => (byte[]?)_database.StringGetAsync(_rawKeys[_next++ & 1]).GetAwaiter().GetResult();

    [Benchmark]
    public byte[]? StoreGet() => _store.GetAsync(_keys[_next++ & 1], CancellationToken.None).AsTask().GetAwaiter().GetResult();

    [Benchmark]
    public Product PerfKitL2Hit()
    {
        var key = _keys[_next++ & 1];
        return _cache.GetOrCreateAsync(key, key, Unexpected).AsTask().GetAwaiter().GetResult();
    }
}
