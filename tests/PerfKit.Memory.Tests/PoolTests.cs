using Microsoft.Extensions.ObjectPool;
using PerfKit.Memory.Pooling;

namespace PerfKit.Memory.Tests;

public sealed class PoolTests
{
    [Theory]
    [InlineData(1, 16)]
    [InlineData(16, 16)]
    [InlineData(17, 32)]
    [InlineData(4096, 4096)]
    [InlineData(4097, 8192)]
    public void Rent_ReturnsThePowerOfTwoSizeClass(int requested, int expected)
    {
        using var pool = new BoundedArrayPool<byte>();

        pool.Rent(requested).Length.Should().Be(expected);
    }

    [Fact]
    public void Rent_AfterReturn_ReusesTheArray_OnTheSameThread()
    {
        using var pool = new BoundedArrayPool<byte>();
        var first = pool.Rent(1000);
        pool.Return(first);

        pool.Rent(1000).Should().BeSameAs(first);
        var stats = pool.GetStatistics();
        stats.Rents.Should().Be(2);
        stats.Misses.Should().Be(1);
        stats.Returns.Should().Be(1);
    }

    [Fact]
    public void Rent_AboveMaxLength_Allocates_AndItsReturnIsDropped()
    {
        using var pool = new BoundedArrayPool<byte>(new BoundedArrayPoolOptions { MaxArrayLength = 1024 });
        var big = pool.Rent(5000);
        big.Length.Should().Be(5000);

        pool.Return(big);

        pool.GetStatistics().Dropped.Should().Be(1);
        pool.GetStatistics().RetainedBytes.Should().Be(0);
    }

    [Fact]
    public void Return_OfAForeignSize_ThrowsNamingThePool()
    {
        using var pool = new BoundedArrayPool<byte>(new BoundedArrayPoolOptions { Name = "io" });

        pool.Invoking(p => p.Return(new byte[1000])).Should().Throw<ArgumentException>().WithMessage("*'io'*1000*");
    }

    [Fact]
    public void Return_PastTheByteCap_IsDropped_AndRetentionNeverExceedsIt()
    {
        using var pool = new BoundedArrayPool<byte>(new BoundedArrayPoolOptions { MaxRetainedBytes = 16 * 1024, ThreadLocalCaching = false });
        var arrays = Enumerable.Range(0, 10).Select(_ => pool.Rent(4096)).ToList();

        arrays.ForEach(a => pool.Return(a));

        var stats = pool.GetStatistics();
        stats.RetainedBytes.Should().Be(16 * 1024);
        stats.Dropped.Should().Be(6);
    }

    [Fact]
    public void Trim_ReleasesEveryTier_AndCountsIt()
    {
        using var pool = new BoundedArrayPool<int>();
        var arrays = Enumerable.Range(0, 4).Select(_ => pool.Rent(256)).ToList();
        arrays.ForEach(a => pool.Return(a));
        var retained = pool.GetStatistics().RetainedBytes;
        retained.Should().Be(4 * 256 * sizeof(int));

        pool.Trim().Should().Be(retained);

        var stats = pool.GetStatistics();
        stats.RetainedBytes.Should().Be(0);
        stats.Trims.Should().Be(1);
        stats.TrimmedBytes.Should().Be(retained);
        pool.Rent(256).Should().NotBeSameAs(arrays[0]);
    }

    [Fact]
    public async Task RespondAsync_TrimsArraysHeldInOtherLiveThreadsSlots()
    {
        using var pool = new BoundedArrayPool<byte>();
        using var returned = new ManualResetEventSlim();
        using var finish = new ManualResetEventSlim();
        var other = new Thread(() =>
        {
            pool.Return(pool.Rent(1 << 16));
            returned.Set();
            finish.Wait(TimeSpan.FromMinutes(1));
        });
        other.Start();
        returned.Wait(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken).Should().BeTrue();
        pool.GetStatistics().RetainedBytes.Should().Be(1 << 16);

        var freed = await pool.RespondAsync(new MemoryPressureContext(MemoryPressureLevel.High, 1, 0), TestContext.Current.CancellationToken);

        finish.Set();
        other.Join();
        freed.Should().Be(1 << 16);
        pool.GetStatistics().RetainedBytes.Should().Be(0);
    }

    [Fact]
    public void Statistics_OfAnExitedThread_AreKept_AndItsSlotsReleased()
    {
        using var pool = new BoundedArrayPool<byte>();
        var other = new Thread(() => pool.Return(pool.Rent(100)));
        other.Start();
        other.Join();

        var stats = pool.GetStatistics();

        stats.Rents.Should().Be(1);
        stats.Returns.Should().Be(1);
        stats.RetainedBytes.Should().Be(0);
    }

    [Fact]
    public async Task Soak_ManyThreads_KeepTheCountersConsistent()
    {
        using var pool = new BoundedArrayPool<byte>(new BoundedArrayPoolOptions { MaxRetainedBytes = 1 << 20 });
        const int threads = 8, iterations = 20_000;

        await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Run(() =>
        {
            var held = new Stack<byte[]>();
            var random = new Random(t);
            for (var i = 0; i < iterations; i++)
            {
                if (held.Count > 0 && random.Next(2) == 0)
                {
                    pool.Return(held.Pop());
                }
                else
                {
                    var array = pool.Rent(random.Next(1, 20_000));
                    array[0] = 1;
                    held.Push(array);
                }

                if (i % 5000 == 0)
                {
                    pool.Trim();
                }
            }

            while (held.Count > 0)
            {
                pool.Return(held.Pop());
            }
        })));

        var stats = pool.GetStatistics();
        stats.Rents.Should().Be(stats.Returns, "every rented array was returned");
        stats.Misses.Should().BeLessThanOrEqualTo(stats.Rents);
        stats.Rents.Should().BeGreaterThan(threads * iterations / 3);
    }

    [Fact]
    public void ObjectPool_KeepsAtMostMaximumRetained_AndDisposesWhatItDrops()
    {
        using var pool = new BoundedObjectPool<Resettable>(new ResettablePolicy(), new BoundedObjectPoolOptions { MaximumRetained = 2, EstimatedObjectSizeBytes = 100 });
        var items = Enumerable.Range(0, 4).Select(_ => pool.Get()).ToList();

        items.ForEach(pool.Return);

        items.Count(i => i.Disposed).Should().Be(2);
        items.Count(i => i.WasReset).Should().Be(4);
        var stats = pool.GetStatistics();
        stats.RetainedBytes.Should().Be(200);
        stats.Dropped.Should().Be(2);
        stats.Misses.Should().Be(4);
    }

    [Fact]
    public void ObjectPool_Trim_DisposesAndEmpties()
    {
        using var pool = new BoundedObjectPool<Resettable>(new ResettablePolicy(), new BoundedObjectPoolOptions { MaximumRetained = 4, EstimatedObjectSizeBytes = 10 });
        var item = pool.Get();
        pool.Return(item);

        pool.Trim().Should().Be(10);

        item.Disposed.Should().BeTrue();
        pool.Get().Should().NotBeSameAs(item);
        pool.GetStatistics().Misses.Should().Be(2);
    }

    private sealed class Resettable : IDisposable
    {
        public bool WasReset { get; set; }

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    private sealed class ResettablePolicy : IPooledObjectPolicy<Resettable>
    {
        public Resettable Create() => new();

        public bool Return(Resettable obj)
        {
            obj.WasReset = true;
            return true;
        }
    }
}
