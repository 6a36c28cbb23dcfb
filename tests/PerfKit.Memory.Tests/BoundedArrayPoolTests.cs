using System.Runtime.CompilerServices;
using PerfKit.Memory.Pooling;

namespace PerfKit.Memory.Tests;

/// <summary>Retention of <see cref="BoundedArrayPool{T}"/> observed from outside the pool: through weak references and full collections, never through <see cref="BoundedArrayPool{T}.GetStatistics"/>, which folds exited threads.</summary>
public sealed class BoundedArrayPoolTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task ThreadExit_ReleasesItsSlots_WithoutAnyReader()
    {
        using var pool = new BoundedArrayPool<byte>(new BoundedArrayPoolOptions { MaxRetainedBytes = MiB, MaxArrayLength = MiB });
        var returned = new List<WeakReference<byte[]>>();
        for (var i = 0; i < 100; i++)
        {
            var thread = new Thread(() =>
            {
                var array = pool.Rent(MiB);
                lock (returned)
                {
                    returned.Add(new WeakReference<byte[]>(array));
                }

                pool.Return(array);
            });
            thread.Start();
            thread.Join();
        }

        // Bounded retries: a thread's statics are freed as it exits, its holder is finalized after the next full GC and
        // drops the slots, and the collection after that frees the arrays (hence collect, wait, collect).
        var alive = returned.Count;
        for (var attempt = 0; attempt < 20 && alive > 1; attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            alive = returned.Count(w => w.TryGetTarget(out _));
            if (alive > 1)
            {
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }
        }

        alive.Should().BeLessThanOrEqualTo(1, "a pool capped at 1 MiB must not keep 1 MiB arrays of 100 exited threads alive");
        pool.GetStatistics().Returns.Should().Be(100, "the counters of exited threads are kept");
    }

    [Fact]
    public void ThreadExit_KeepsTheCounters_AndReleasesTheRetainedBytes()
    {
        using var pool = new BoundedArrayPool<byte>(new BoundedArrayPoolOptions { MaxRetainedBytes = MiB });
        var thread = new Thread(() => pool.Return(pool.Rent(4096)));
        thread.Start();
        thread.Join();

        long retained = -1;
        for (var attempt = 0; attempt < 20 && retained != 0; attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            retained = pool.RetainedBytesNow;
        }

        retained.Should().Be(0);
        var stats = pool.GetStatistics();
        stats.Rents.Should().Be(1);
        stats.Returns.Should().Be(1);
    }

    [Fact]
    public void Return_AfterDispose_DoesNotFillTheThreadSlot()
    {
        var pool = new BoundedArrayPool<byte>();
        var weak = RentDisposeAndReturn(pool);

        var collected = false;
        for (var attempt = 0; attempt < 20 && !collected; attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            collected = !weak.TryGetTarget(out _);
        }

        collected.Should().BeTrue("a disposed pool drops what is returned to it");
        pool.GetStatistics().Dropped.Should().Be(1);
        GC.KeepAlive(pool);
    }

    [Fact]
    public void Dispose_KeepsTheStatistics_OfLiveThreads()
    {
        var pool = new BoundedArrayPool<byte>();
        for (var i = 0; i < 10; i++)
        {
            pool.Return(pool.Rent(4096));
        }

        var before = pool.GetStatistics();
        pool.Dispose();
        var after = pool.GetStatistics();

        before.Rents.Should().Be(10);
        after.Rents.Should().Be(10);
        after.Returns.Should().Be(10);
        after.Misses.Should().Be(before.Misses);
    }

    [Theory]
    [InlineData(2, 1 << 30, 1L, 2L << 30)]
    [InlineData(4096, 1 << 20, 8L, 4096L * (1 << 20) * 8)]
    public void BytesOf_DoesNotOverflow(int count, int length, long elementSize, long expected) =>
        BoundedArrayPool<byte>.BytesOf(count, length, elementSize).Should().Be(expected);

    [MethodImpl(MethodImplOptions.NoInlining)]
    // In a helper of its own, so that no temporary of the test's frame (unoptimised code keeps them) roots the array.
    private static WeakReference<byte[]> RentDisposeAndReturn(BoundedArrayPool<byte> pool)
    {
        pool.Return(pool.Rent(4096)); // creates this thread's cache, and leaves the array in its slot
        var array = pool.Rent(4096); // from this thread's slot
        pool.Dispose();
        pool.Return(array);
        return new WeakReference<byte[]>(array);
    }
}
