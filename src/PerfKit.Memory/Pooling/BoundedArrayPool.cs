using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using PerfKit.Memory.Internal;

namespace PerfKit.Memory.Pooling;

/// <summary>
/// An <see cref="ArrayPool{T}"/> whose retention is capped in bytes and that gives its arrays back under memory
/// pressure. Arrays come in power-of-two sizes from 16 elements to <see cref="BoundedArrayPoolOptions.MaxArrayLength"/>.
/// Two tiers: a lock-free thread-local slot per size class (the hot path, as fast as <c>ArrayPool.Shared</c>), and
/// a shared tier of per-processor stacks bounded by <see cref="BoundedArrayPoolOptions.MaxRetainedBytes"/>.
/// The slots of a thread that exits are released by the garbage collector without waiting for a reader: after two
/// full collections (the first finalizes the dead thread's holder, which drops its slots; the second frees the arrays).
/// Register it with <see cref="IMemoryBudget.Register(IMemoryPressureResponder)"/> (DI does this) to trim under pressure.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
// Split by concern: this file holds the public surface and the rent/return paths; BoundedArrayPool.ThreadCaches.cs the
// thread-local tier and its reclaim when a thread dies; BoundedArrayPool.SharedTier.cs the byte-capped shared tier;
// BoundedArrayPool.Statistics.cs trim and counters.
public sealed partial class BoundedArrayPool<T> : ArrayPool<T>, IMemoryPressureResponder, IPoolStatisticsSource, IDisposable, IAsyncDisposable
{
    private const int MinimumLength = 16;
    private const int MinimumShift = 4;

    private readonly int _maxLength;
    private readonly int _bucketCount;
    private readonly long _elementSize;
    private readonly MemoryMetrics _metrics;
    private int _disposed;

    /// <summary>Creates a pool with default options.</summary>
    public BoundedArrayPool()
        : this(new BoundedArrayPoolOptions())
    {
    }

    /// <summary>Creates a pool. Bad options throw <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> naming every bad option.</summary>
    /// <param name="options">The options.</param>
    /// <param name="dependencies">The <c>PerfKit.Memory</c> meter's factory, which publishes the pool's statistics; default a shared meter.</param>
    public BoundedArrayPool(BoundedArrayPoolOptions options, PerfKitMemoryDependencies? dependencies = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        BoundedArrayPoolOptionsValidator.ThrowIfInvalid(options);

        Name = options.Name;
        _maxLength = (int)BitOperations.RoundUpToPowerOf2((uint)options.MaxArrayLength);
        _bucketCount = BucketIndex(_maxLength) + 1;
        _elementSize = Unsafe.SizeOf<T>();
        _maxRetainedBytes = options.MaxRetainedBytes;
        _threadLocal = options.ThreadLocalCaching;
        _shared = CreateSharedTier(_bucketCount, options.MaxArraysPerBucket);
        _id = AcquireId();
        _metrics = MemoryMetrics.For(dependencies?.MeterFactory);
        _metrics.Track(this);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public int Priority => MemoryResponderPriority.Pools;

    /// <summary>The longest array the pool keeps.</summary>
    public int MaxArrayLength => _maxLength;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override T[] Rent(int minimumLength)
    {
        if ((uint)(minimumLength - 1) >= (uint)_maxLength)
        {
            return RentUnpooled(minimumLength);
        }

        var bucket = BucketIndex(minimumLength);
        var cache = CurrentCache();
        if (cache is not null)
        {
            cache.Rents++;
            var array = cache.Slots[bucket];
            if (array is not null)
            {
                cache.Slots[bucket] = null;
                cache.Hits++;
                return array;
            }
        }

        return RentSlow(bucket, cache);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override void Return(T[] array, bool clearArray = false)
    {
        ArgumentNullException.ThrowIfNull(array);
        var length = array.Length;
        if ((uint)(length - MinimumLength) > (uint)(_maxLength - MinimumLength) || !BitOperations.IsPow2(length))
        {
            ReturnForeign(array);
            return;
        }

        if (clearArray)
        {
            Array.Clear(array);
        }

        var bucket = BucketIndex(length);
        var cache = CurrentCache();
        if (cache is not null)
        {
            cache.Returns++;
            ref var slot = ref cache.Slots[bucket];

            // A disposed pool keeps nothing: the check is one load of a field on the same cache line as _maxLength.
            if (slot is null && Volatile.Read(ref _disposed) == 0)
            {
                slot = array;
                return;
            }
        }

        ReturnSlow(bucket, array, cache);
    }

    /// <summary>Like <see cref="Dispose"/>, for <c>await using</c> and asynchronous owners; nothing in the pool's dispose waits.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Trims the pool and stops publishing its statistics; <see cref="GetStatistics"/> keeps the counters. A disposed pool still rents (allocating) and drops returns. Calling it twice is harmless.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Trim();
        _metrics.Untrack(this);

        // The thread caches stay listed: their counters are the pool's statistics (a live thread's cache is folded
        // when the thread exits), and Trim has emptied their slots, which a disposed pool never fills again.
        ReleaseId(_id);
    }

    /// <summary>The bytes of <paramref name="count"/> arrays of <paramref name="length"/> elements, in <see langword="long"/> arithmetic (a 1 Gi-element bucket of two arrays overflows an int).</summary>
    internal static long BytesOf(int count, int length, long elementSize) => (long)count * length * elementSize;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BucketIndex(int length) => BitOperations.Log2((uint)(length - 1) | (MinimumLength - 1)) + 1 - MinimumShift;

    private static int BucketLength(int bucket) => MinimumLength << bucket;

    private T[] RentUnpooled(int minimumLength)
    {
        if (minimumLength == 0)
        {
            return [];
        }

        ArgumentOutOfRangeException.ThrowIfNegative(minimumLength);
        Interlocked.Increment(ref _sharedRents);
        return GC.AllocateUninitializedArray<T>(minimumLength);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private T[] RentSlow(int bucket, ThreadCache? cache)
    {
        if (cache is null)
        {
            cache = CreateCache();
            if (cache is not null)
            {
                cache.Rents++;
            }
            else
            {
                Interlocked.Increment(ref _sharedRents);
            }
        }

        var array = PopShared(bucket);
        if (array is not null)
        {
            if (cache is not null)
            {
                cache.Hits++;
            }
            else
            {
                Interlocked.Increment(ref _sharedHits);
            }

            return array;
        }

        return GC.AllocateUninitializedArray<T>(BucketLength(bucket));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ReturnSlow(int bucket, T[] array, ThreadCache? cache)
    {
        if (cache is null)
        {
            cache = CreateCache();
            if (cache is not null)
            {
                cache.Returns++;
                cache.Slots[bucket] = array;
                return;
            }

            Interlocked.Increment(ref _sharedReturns);
        }

        if (Volatile.Read(ref _disposed) != 0 || !PushShared(bucket, array))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    private void ReturnForeign(T[] array)
    {
        if (array.Length == 0)
        {
            return;
        }

        if (array.Length <= _maxLength)
        {
            throw new ArgumentException($"The array was not rented from pool '{Name}': its length {array.Length} is not one of the pool's sizes (powers of two from {MinimumLength} to {_maxLength}).", nameof(array));
        }

        Interlocked.Increment(ref _sharedReturns);
        Interlocked.Increment(ref _dropped);
    }
}
