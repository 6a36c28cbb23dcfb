using BenchmarkDotNet.Attributes;
using PerfKit.Caching;
using PerfKit.TestUtilities;

namespace PerfKit.Benchmarks.Caching;

/// <summary>
/// L1 hits from every core at once (the time is per hit on each core, all cores hitting together): all threads on one hot key (where a hit that writes shared state makes the cache
/// line bounce between cores), and on a Zipf-distributed key set (s = 0.9, 10,000 keys, all cached). Reported per hit.
/// BitFaster's <c>ConcurrentLru</c> is the baseline: the fastest concurrent L1 we measure against.
/// </summary>
[MemoryDiagnoser]
public class CacheConcurrentHitBenchmarks
{
    private const int HitsPerThread = 200_000;
    private const int Keys = 10_000;
    private static readonly Func<CacheFactoryContext, string, CancellationToken, ValueTask<Product>> PerfKitFactory = static (_, k, _) => ValueTask.FromResult(CachePeers.Make(k));
    private readonly int _threads = Environment.ProcessorCount;
    private CachePeers _peers = null!;
    private string[] _trace = [];

    [Params("hot-key", "zipf")]
    public string Pattern { get; set; } = "hot-key";

    [GlobalSetup]
    public void Setup()
    {
        _peers = new CachePeers(Keys * 2);
        var names = Enumerable.Range(0, Keys).Select(i => "product:" + i).ToArray();
        _trace = Pattern == "hot-key"
            ? Enumerable.Repeat(names[42], HitsPerThread).ToArray()
            : ZipfTrace.Generate(Keys, HitsPerThread, 0.9, seed: 7).Select(i => names[i]).ToArray();
        foreach (var key in names)
        {
            _ = _peers.PerfKit.GetOrCreateAsync(key, key, PerfKitFactory).AsTask().GetAwaiter().GetResult();
            _ = _peers.BitFaster.GetOrAdd(key, CachePeers.Make);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _peers.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = HitsPerThread)]
    public void BitFasterConcurrentLru() => Parallel.For(0, _threads, new ParallelOptions { MaxDegreeOfParallelism = _threads }, t =>
    {
        var cache = _peers.BitFaster;
        var trace = _trace;
        for (var i = 0; i < trace.Length; i++)
        {
            _ = cache.GetOrAdd(trace[i], CachePeers.Make);
        }
    });

    [Benchmark(OperationsPerInvoke = HitsPerThread)]
    public void PerfKit() => Parallel.For(0, _threads, new ParallelOptions { MaxDegreeOfParallelism = _threads }, t =>
    {
        var cache = _peers.PerfKit;
        var trace = _trace;
        for (var i = 0; i < trace.Length; i++)
        {
            _ = cache.GetOrCreateAsync(trace[i], trace[i], PerfKitFactory).GetAwaiter().GetResult();
        }
    });
}
