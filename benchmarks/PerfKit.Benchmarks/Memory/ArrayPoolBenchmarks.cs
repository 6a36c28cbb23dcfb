using System.Buffers;
using BenchmarkDotNet.Attributes;
using PerfKit.Memory.Pooling;

namespace PerfKit.Benchmarks.Memory;

/// <summary>One rent and one return of a 4 KiB buffer on one thread: the hot path of every pooled I/O loop.</summary>
[MemoryDiagnoser]
public class ArrayPoolBenchmarks
{
    private const int Size = 4096;
    private readonly BoundedArrayPool<byte> _bounded = new(new BoundedArrayPoolOptions { Name = "benchmark" });
    private readonly ArrayPool<byte> _configurable = ArrayPool<byte>.Create();

    [Benchmark(Baseline = true)]
    public byte[] ArrayPoolShared()
    {
        var array = ArrayPool<byte>.Shared.Rent(Size);
        ArrayPool<byte>.Shared.Return(array);
        return array;
    }

    [Benchmark]
    public byte[] BoundedArrayPool()
    {
        var array = _bounded.Rent(Size);
        _bounded.Return(array);
        return array;
    }

    [Benchmark]
    public byte[] ConfigurableArrayPool()
    {
        var array = _configurable.Rent(Size);
        _configurable.Return(array);
        return array;
    }

    [GlobalCleanup]
    public void Cleanup() => _bounded.Dispose();
}
