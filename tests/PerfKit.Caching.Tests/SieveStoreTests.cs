using PerfKit.Caching.Internal;

namespace PerfKit.Caching.Tests;

public sealed class SieveStoreTests
{
    private static CacheEntry Entry(string key, long size = 1) => new(key, key, long.MaxValue, long.MaxValue, long.MaxValue, 0, null, size);

    [Fact]
    public void Set_PastTheCountBound_EvictsTheOldestUnvisitedEntry()
    {
        var store = new SieveStore(maxEntries: 3, maxWeight: null);
        store.Set(Entry("a"));
        store.Set(Entry("b"));
        store.Set(Entry("c"));
        store.TryGet("a", out _).Should().BeTrue();

        store.Set(Entry("d"));

        store.Count.Should().Be(3);
        store.TryGet("a", out _).Should().BeTrue("a visited entry survives the hand once");
        store.TryGet("b", out _).Should().BeFalse("the oldest unvisited entry is evicted");
    }

    [Fact]
    public void Set_PastTheWeightBound_EvictsUntilUnderIt()
    {
        var store = new SieveStore(maxEntries: 100, maxWeight: 10);
        store.Set(Entry("a", 4));
        store.Set(Entry("b", 4));

        store.Set(Entry("c", 5));

        store.Weight.Should().BeLessThanOrEqualTo(10);
        store.TryGet("c", out _).Should().BeTrue("the entry being inserted is never its own victim");
    }

    [Fact]
    public void Set_ReplacingAKey_KeepsCountAndWeightExact()
    {
        var store = new SieveStore(maxEntries: 10, maxWeight: null);
        store.Set(Entry("a", 3));
        store.Set(Entry("a", 5));

        store.Count.Should().Be(1);
        store.Weight.Should().Be(5);
        store.Remove("a").Should().BeTrue();
        store.Count.Should().Be(0);
        store.Weight.Should().Be(0);
    }

    [Fact]
    public void OnAZipfTrace_SieveHitRatio_IsAtLeastLrus()
    {
        const int capacity = 1000, keys = 50_000, requests = 400_000;
        var trace = ZipfTrace.Generate(keys, requests, s: 0.9, seed: 42);
        var sieve = new SieveStore(capacity, null);
        var lru = new Lru(capacity);
        int sieveHits = 0, lruHits = 0;

        foreach (var key in trace)
        {
            var name = ZipfTrace.Key(key);
            if (sieve.TryGet(name, out _))
            {
                sieveHits++;
            }
            else
            {
                sieve.Set(Entry(name));
            }

            if (lru.Touch(key))
            {
                lruHits++;
            }
        }

        var sieveRatio = sieveHits / (double)requests;
        var lruRatio = lruHits / (double)requests;
        TestContext.Current.SendDiagnosticMessage($"Zipf(0.9) {keys} keys, capacity {capacity}: SIEVE {sieveRatio:P2}, LRU {lruRatio:P2}");
        sieveRatio.Should().BeGreaterThanOrEqualTo(lruRatio);
    }

    /// <summary>A plain LRU of the same capacity, the reference the eviction policy must beat.</summary>
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

/// <summary>A reproducible Zipf-distributed key trace (inverse-CDF sampling over a precomputed table).</summary>
internal static class ZipfTrace
{
    private static readonly string[] Names = Enumerable.Range(0, 50_000).Select(i => "key:" + i).ToArray();

    public static string Key(int i) => i < Names.Length ? Names[i] : "key:" + i;

    public static int[] Generate(int keys, int requests, double s, int seed)
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
}
