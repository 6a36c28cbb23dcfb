using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.ObjectPool;
using PerfKit.Memory.Pooling;

namespace PerfKit.Benchmarks.Memory;

/// <summary>One get and one return of a pooled StringBuilder.</summary>
[MemoryDiagnoser]
public class ObjectPoolBenchmarks
{
    private readonly DefaultObjectPool<StringBuilder> _default = new(new StringBuilderPooledObjectPolicy());
    private readonly BoundedObjectPool<StringBuilder> _bounded = new(new StringBuilderPooledObjectPolicy(), new BoundedObjectPoolOptions { Name = "benchmark" });

    [Benchmark(Baseline = true)]
    public StringBuilder DefaultObjectPool()
    {
        var builder = _default.Get();
        _default.Return(builder);
        return builder;
    }

    [Benchmark]
    public StringBuilder BoundedObjectPool()
    {
        var builder = _bounded.Get();
        _bounded.Return(builder);
        return builder;
    }

    [GlobalCleanup]
    public void Cleanup() => _bounded.Dispose();
}
