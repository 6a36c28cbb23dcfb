using BenchmarkDotNet.Attributes;

namespace PerfKit.Benchmarks.Caching;

/// <summary>
/// 1,000 concurrent callers on a cold key whose factory takes a moment. Each operation is the whole stampede and
/// returns how many times the factory ran; PerfKit's throws (failing the benchmark, and so the guard) unless it
/// ran exactly once. Peers' counts are returned, not enforced.
/// </summary>
[MemoryDiagnoser]
public class CacheStampedeBenchmarks
{
    private const int Callers = 1000;
    private CachePeers _peers = null!;
    private int _round;

    [GlobalSetup]
    public void Setup() => _peers = new CachePeers(100_000);

    [GlobalCleanup]
    public void Cleanup() => _peers.Dispose();

    [Benchmark(Baseline = true)]
    public async Task<int> FusionCache()
    {
        var key = "cold:" + Interlocked.Increment(ref _round);
        var calls = 0;
        var tasks = new Task<Product>[Callers];
        for (var i = 0; i < Callers; i++)
        {
            tasks[i] = _peers.Fusion.GetOrSetAsync<Product>(key, async (_, _) =>
            {
                Interlocked.Increment(ref calls);
                await Task.Yield();
                return CachePeers.Make(key);
            }).AsTask();
        }

        await Task.WhenAll(tasks);
        return calls;
    }

    [Benchmark]
    public async Task<int> HybridCache()
    {
        var key = "cold:" + Interlocked.Increment(ref _round);
        var calls = 0;
        var tasks = new Task<Product>[Callers];
        for (var i = 0; i < Callers; i++)
        {
            tasks[i] = _peers.Hybrid.GetOrCreateAsync(key, async _ =>
            {
                Interlocked.Increment(ref calls);
                await Task.Yield();
                return CachePeers.Make(key);
            }).AsTask();
        }

        await Task.WhenAll(tasks);
        return calls;
    }

    [Benchmark]
    public async Task<int> PerfKit()
    {
        var key = "cold:" + Interlocked.Increment(ref _round);
        var calls = 0;
        var tasks = new Task<Product>[Callers];
        for (var i = 0; i < Callers; i++)
        {
            tasks[i] = _peers.PerfKit.GetOrCreateAsync(key, async (_, _) =>
            {
                Interlocked.Increment(ref calls);
                await Task.Yield();
                return CachePeers.Make(key);
            }).AsTask();
        }

        await Task.WhenAll(tasks);
        return Exactly1(calls);
    }

    private static int Exactly1(int calls) =>
        calls == 1 ? calls : throw new InvalidOperationException($"Stampede protection failed: the factory ran {calls} times for one key.");
}
