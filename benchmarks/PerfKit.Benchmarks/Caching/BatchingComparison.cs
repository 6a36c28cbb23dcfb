using System.Diagnostics;
using System.Globalization;
using PerfKit.Caching;
using PerfKit.Caching.Batching;
using PerfKit.Caching.Redis;

namespace PerfKit.Benchmarks.Caching;

/// <summary>
/// 10,000 concurrent single-key loads against a backend that costs 1 ms + 10 µs per key per call and takes at most 4
/// calls at once (a connection pool): each load calling the backend for its own key, against the same loads through a
/// <see cref="BatchLoader{TKey, TValue}"/> (default options: batches of up to 100 keys, 2 ms linger). Calls made, wall
/// time, and bytes allocated per load (all threads). Not a BenchmarkDotNet benchmark: a wall-clock run of real waits,
/// where the figure that matters is the count of backend calls. GreenDonut's DataLoader is not served here, so it is not
/// measured.
/// </summary>
internal static class BatchingComparison
{
    private const int Loads = 10_000;
    private const int DistinctKeys = 8_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = args.SkipWhile(a => a != "--rounds").Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault(3);
        Console.WriteLine($"{Loads:N0} concurrent loads of {DistinctKeys:N0} distinct keys; backend: 1 ms + 10 us per key per call, at most 4 calls at once");
        Console.WriteLine();
        Console.WriteLine("| round | way | backend calls | wall time (ms) | allocated per load (B) |");
        Console.WriteLine("|---:|---|---:|---:|---:|");
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var batched in new[] { false, true })
            {
                var backend = new Backend();
                using var loader = new BatchLoader<int, string>(backend.LoadManyAsync, new BatchLoaderOptions());
                Func<int, Task<string>> load = batched ? key => loader.LoadAsync(key).AsTask() : backend.LoadOneAsync;
                var keys = Enumerable.Range(0, Loads).Select(i => i % DistinctKeys).ToArray();
                GC.Collect();
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                var clock = Stopwatch.GetTimestamp();
                var results = await Task.WhenAll(keys.Select(load));
                var wall = Stopwatch.GetElapsedTime(clock);
                var perLoad = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)Loads;
                if (results.Where((value, i) => value != Backend.ValueOf(keys[i])).Any())
                {
                    Console.Error.WriteLine("a load returned another key's value");
                    return 1;
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {round} | {(batched ? "BatchLoader" : "one call per load")} | {backend.Calls:N0} | {wall.TotalMilliseconds:N0} | {perLoad:N0} |"));
            }
        }

        if (Environment.GetEnvironmentVariable("PERFKIT_REDIS") is { } redis)
        {
            await ManyAgainstSinglesAsync(redis, rounds).ConfigureAwait(false);
        }
        else
        {
            Console.WriteLine();
            Console.WriteLine("GetOrCreateManyAsync against single calls needs a Redis-protocol server: set PERFKIT_REDIS=host:port.");
        }

        return 0;
    }

    /// <summary>
    /// 100 keys, 80 of them in Redis (L2) and 20 missing, on a node with an empty L1: one GetOrCreateManyAsync against 100
    /// concurrent GetOrCreateAsync calls (the multiplexer pipelines their reads), the misses costing the same backend.
    /// </summary>
    private static async Task ManyAgainstSinglesAsync(string redis, int rounds)
    {
        Console.WriteLine();
        Console.WriteLine($"100 keys (80 in Redis at {redis}, 20 missing), a node with an empty L1 each time; backend as above");
        Console.WriteLine();
        Console.WriteLine("| round | way | backend calls | wall time (ms) |");
        Console.WriteLine("|---:|---|---:|---:|");
        var options = new PerfKitRedisOptions { Configuration = redis, KeyPrefix = "perfkit-bench-many:" + Guid.NewGuid().ToString("N")[..8] + ":" };
        using var connection = new RedisConnection(options);
        var store = new RedisDistributedCacheStore(connection, options);
        var keys = Enumerable.Range(0, 100).Select(i => "row:" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var entry = new CacheEntryOptions { Duration = TimeSpan.FromMinutes(10) };
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var many in new[] { false, true })
            {
                using (var writer = new PerfKitCache(new PerfKitCacheOptions(), new PerfKitCacheDependencies { DistributedCache = store }))
                {
                    foreach (var key in keys)
                    {
                        await writer.RemoveAsync(key).ConfigureAwait(false);
                    }

                    foreach (var key in keys.Take(80))
                    {
                        await writer.SetAsync(key, "stored " + key, entry).ConfigureAwait(false);
                    }
                }

                var backend = new Backend();
                using var node = new PerfKitCache(new PerfKitCacheOptions(), new PerfKitCacheDependencies { DistributedCache = store });
                var clock = Stopwatch.GetTimestamp();
                int count;
                if (many)
                {
                    var values = await node.GetOrCreateManyAsync(keys, async (missing, ct) =>
                    {
                        var loaded = await backend.LoadManyAsync([.. missing.Select(k => int.Parse(k[4..], CultureInfo.InvariantCulture))], ct).ConfigureAwait(false);
                        return (IReadOnlyDictionary<string, string>)loaded.ToDictionary(p => "row:" + p.Key.ToString(CultureInfo.InvariantCulture), p => p.Value);
                    }, entry).ConfigureAwait(false);
                    count = values.Count;
                }
                else
                {
                    var values = await Task.WhenAll(keys.Select(key => node.GetOrCreateAsync(key, async (_, _) => await backend.LoadOneAsync(int.Parse(key[4..], CultureInfo.InvariantCulture)).ConfigureAwait(false), entry).AsTask())).ConfigureAwait(false);
                    count = values.Length;
                }

                var wall = Stopwatch.GetElapsedTime(clock);
                if (count != keys.Length)
                {
                    throw new InvalidOperationException($"{count} values for {keys.Length} keys.");
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {round} | {(many ? "GetOrCreateManyAsync" : "100 GetOrCreateAsync")} | {backend.Calls:N0} | {wall.TotalMilliseconds:N1} |"));
            }
        }
    }

    private sealed class Backend
    {
        private readonly SemaphoreSlim _connections = new(4, 4);
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public static string ValueOf(int key) => "value " + key.ToString(CultureInfo.InvariantCulture);

        public async Task<string> LoadOneAsync(int key)
        {
            await CallAsync(1).ConfigureAwait(false);
            return ValueOf(key);
        }

        public async ValueTask<IReadOnlyDictionary<int, string>> LoadManyAsync(IReadOnlyList<int> keys, CancellationToken cancellationToken)
        {
            await CallAsync(keys.Count).ConfigureAwait(false);
            return keys.ToDictionary(k => k, ValueOf);
        }

        private async Task CallAsync(int keys)
        {
            await _connections.WaitAsync().ConfigureAwait(false);
            try
            {
                Interlocked.Increment(ref _calls);
                await Task.Delay(TimeSpan.FromMilliseconds(1 + (0.01 * keys))).ConfigureAwait(false);
            }
            finally
            {
                _connections.Release();
            }
        }
    }
}
