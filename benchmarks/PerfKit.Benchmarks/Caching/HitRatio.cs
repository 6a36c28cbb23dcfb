using System.Globalization;
using BitFaster.Caching.Lfu;
using BitFaster.Caching.Lru;
using PerfKit.Caching;

namespace PerfKit.Benchmarks.Caching;

/// <summary>
/// Hit ratio on a reproducible Zipf key trace, for PerfKit's SIEVE L1 against an LRU of equal capacity and
/// BitFaster's ConcurrentLru and ConcurrentLfu. Hit ratios are exact counts, not timings, so this is a plain run
/// rather than a BenchmarkDotNet job: <c>dotnet run -c Release --project benchmarks/PerfKit.Benchmarks -- --hit-ratio</c>.
/// </summary>
internal static class HitRatio
{
    public static int Run()
    {
        Console.WriteLine("| trace | capacity | PerfKit (SIEVE) | LRU | BitFaster ConcurrentLru | BitFaster ConcurrentLfu |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (s, capacity) in new[] { (0.9, 1_000), (0.9, 10_000), (0.7, 10_000), (1.1, 1_000) })
        {
            var trace = Zipf(100_000, 1_000_000, s, seed: 7);
            var names = Enumerable.Range(0, 100_000).Select(i => "key:" + i).ToArray();
            using var perfKit = new PerfKitCache(new PerfKitCacheOptions { MaximumEntries = capacity });
            var lru = new Lru(capacity);
            var bitFasterLru = new ConcurrentLru<string, string>(capacity);
            var bitFasterLfu = new ConcurrentLfu<string, string>(capacity);
            long pk = 0, plain = 0, bfLru = 0, bfLfu = 0;
            foreach (var i in trace)
            {
                var key = names[i];
                if (perfKit.TryGet<string>(key, out _))
                {
                    pk++;
                }
                else
                {
                    perfKit.SetAsync(key, key).AsTask().GetAwaiter().GetResult();
                }

                plain += lru.Touch(i) ? 1 : 0;
                if (bitFasterLru.TryGet(key, out _))
                {
                    bfLru++;
                }
                else
                {
                    bitFasterLru.AddOrUpdate(key, key);
                }

                if (bitFasterLfu.TryGet(key, out _))
                {
                    bfLfu++;
                }
                else
                {
                    bitFasterLfu.AddOrUpdate(key, key);
                }
            }

            string P(long hits) => (hits / (double)trace.Length).ToString("P2", CultureInfo.InvariantCulture);
            Console.WriteLine($"| Zipf s={s.ToString(CultureInfo.InvariantCulture)}, 100k keys, 1M requests | {capacity:N0} | {P(pk)} | {P(plain)} | {P(bfLru)} | {P(bfLfu)} |");
        }

        return 0;
    }

    private static int[] Zipf(int keys, int requests, double s, int seed)
    {
        var cdf = new double[keys];
        double sum = 0;
        for (var i = 0; i < keys; i++)
        {
            sum += 1 / Math.Pow(i + 1, s);
            cdf[i] = sum;
        }

        var random = new Random(seed);
        var trace = new int[requests];
        for (var r = 0; r < requests; r++)
        {
            var index = Array.BinarySearch(cdf, random.NextDouble() * sum);
            trace[r] = index < 0 ? ~index : index;
        }

        return trace;
    }

    private sealed class Lru(int capacity)
    {
        private readonly Dictionary<int, LinkedListNode<int>> _map = [];
        private readonly LinkedList<int> _order = new();

        public bool Touch(int key)
        {
            if (_map.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                return true;
            }

            if (_map.Count == capacity)
            {
                _map.Remove(_order.Last!.Value);
                _order.RemoveLast();
            }

            _map[key] = _order.AddFirst(key);
            return false;
        }
    }
}
