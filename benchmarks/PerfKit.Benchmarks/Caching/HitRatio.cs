using System.Globalization;
using BitFaster.Caching.Lfu;
using BitFaster.Caching.Lru;
using PerfKit.Caching;
using PerfKit.TestUtilities;

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
            var trace = ZipfTrace.Generate(100_000, 1_000_000, s, seed: 7);
            var names = Enumerable.Range(0, 100_000).Select(i => "key:" + i).ToArray();
            using var perfKit = new PerfKitCache(new PerfKitCacheOptions { MaximumEntries = capacity });
            var lru = new ReferenceLru(capacity);
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
}
