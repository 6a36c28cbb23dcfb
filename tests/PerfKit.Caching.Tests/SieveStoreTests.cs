using PerfKit.TestUtilities;
using PerfKit.Caching.Internal;

namespace PerfKit.Caching.Tests;

public sealed class SieveStoreTests
{
    private static readonly string[] Names = Enumerable.Range(0, 50_000).Select(i => "key:" + i).ToArray();

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
        var lru = new ReferenceLru(capacity);
        int sieveHits = 0, lruHits = 0;

        foreach (var key in trace)
        {
            var name = Names[key];
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
}
