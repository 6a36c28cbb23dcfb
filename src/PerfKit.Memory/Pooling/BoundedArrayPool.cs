using System.Buffers;
using System.Diagnostics.Metrics;
using System.Numerics;
using System.Runtime.CompilerServices;
using PerfKit.Memory.Internal;

namespace PerfKit.Memory.Pooling;

/// <summary>
/// An <see cref="ArrayPool{T}"/> whose retention is capped in bytes and that gives its arrays back under memory
/// pressure. Arrays come in power-of-two sizes from 16 elements to <see cref="BoundedArrayPoolOptions.MaxArrayLength"/>.
/// Two tiers: a lock-free thread-local slot per size class (the hot path, as fast as <c>ArrayPool.Shared</c>), and
/// a shared tier of per-processor stacks bounded by <see cref="BoundedArrayPoolOptions.MaxRetainedBytes"/>.
/// Register it with <see cref="IMemoryBudget.Register(IMemoryPressureResponder)"/> (DI does this) to trim under pressure.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed class BoundedArrayPool<T> : ArrayPool<T>, IMemoryPressureResponder, IPoolStatisticsSource, IDisposable
{
    private const int MinimumLength = 16;
    private const int MinimumShift = 4;

    private static readonly Lock IdSync = new();
    private static readonly Stack<int> FreeIds = new();
    private static int s_nextId;

    [ThreadStatic]
    private static ThreadCache?[]? t_caches;

    private readonly int _id;
    private readonly int _maxLength;
    private readonly int _bucketCount;
    private readonly long _elementSize;
    private readonly long _maxRetainedBytes;
    private readonly bool _threadLocal;
    private readonly Partition[][] _shared;
    private readonly Lock _cachesSync = new();
    private readonly List<ThreadCache> _threadCaches = [];
    private readonly MemoryMetrics _metrics;
    private long _sharedRetainedBytes;
    private long _sharedRents;
    private long _sharedHits;
    private long _sharedReturns;
    private long _dropped;
    private long _trims;
    private long _trimmedBytes;
    private long _foldedRents;
    private long _foldedHits;
    private long _foldedReturns;
    private int _disposed;

    /// <summary>Creates a pool.</summary>
    /// <param name="options">The options; default <see cref="BoundedArrayPoolOptions"/> as constructed.</param>
    /// <param name="meterFactory">Creates the <c>PerfKit.Memory</c> meter that publishes the pool's statistics; default a shared meter.</param>
    public BoundedArrayPool(BoundedArrayPoolOptions? options = null, IMeterFactory? meterFactory = null)
    {
        options ??= new BoundedArrayPoolOptions();
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Name, "options.Name");
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxRetainedBytes, "options.MaxRetainedBytes");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxArrayLength, MinimumLength, "options.MaxArrayLength");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxArrayLength, 1 << 30, "options.MaxArrayLength");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxArraysPerBucket, "options.MaxArraysPerBucket");

        Name = options.Name;
        _maxLength = (int)BitOperations.RoundUpToPowerOf2((uint)options.MaxArrayLength);
        _bucketCount = BucketIndex(_maxLength) + 1;
        _elementSize = Unsafe.SizeOf<T>();
        _maxRetainedBytes = options.MaxRetainedBytes;
        _threadLocal = options.ThreadLocalCaching;
        var partitions = Math.Clamp(Environment.ProcessorCount, 1, 16);
        _shared = new Partition[_bucketCount][];
        for (var b = 0; b < _bucketCount; b++)
        {
            _shared[b] = new Partition[partitions];
            for (var p = 0; p < partitions; p++)
            {
                _shared[b][p] = new Partition(options.MaxArraysPerBucket);
            }
        }

        lock (IdSync)
        {
            _id = FreeIds.Count > 0 ? FreeIds.Pop() : s_nextId++;
        }

        _metrics = MemoryMetrics.For(meterFactory);
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
            if (slot is null)
            {
                slot = array;
                return;
            }
        }

        ReturnSlow(bucket, array, cache);
    }

    /// <summary>Drops every retained array, in all tiers and on all threads.</summary>
    /// <returns>The bytes released.</returns>
    public long Trim()
    {
        long freed = 0;
        for (var b = 0; b < _bucketCount; b++)
        {
            foreach (var partition in _shared[b])
            {
                freed += partition.Clear() * BucketLength(b) * _elementSize;
            }
        }

        Interlocked.Add(ref _sharedRetainedBytes, -freed);
        lock (_cachesSync)
        {
            foreach (var cache in _threadCaches)
            {
                for (var b = 0; b < cache.Slots.Length; b++)
                {
                    if (Interlocked.Exchange(ref cache.Slots[b], null) is { } array)
                    {
                        freed += array.Length * _elementSize;
                    }
                }
            }
        }

        Interlocked.Increment(ref _trims);
        Interlocked.Add(ref _trimmedBytes, freed);
        return freed;
    }

    /// <inheritdoc />
    public ValueTask<long> RespondAsync(MemoryPressureContext context, CancellationToken cancellationToken) => ValueTask.FromResult(Trim());

    /// <summary>The pool's counters, summed over all threads.</summary>
    /// <returns>The statistics.</returns>
    public PoolStatistics GetStatistics()
    {
        long rents, hits, returns, threadRetained = 0;
        lock (_cachesSync)
        {
            // Counters of exited threads are folded into the pool's own, so they survive their caches.
            for (var i = _threadCaches.Count - 1; i >= 0; i--)
            {
                var cache = _threadCaches[i];
                if (!cache.Thread.TryGetTarget(out var thread) || !thread.IsAlive)
                {
                    _foldedRents += cache.Rents;
                    _foldedHits += cache.Hits;
                    _foldedReturns += cache.Returns;
                    _threadCaches.RemoveAt(i);
                }
            }

            (rents, hits, returns) = (_foldedRents, _foldedHits, _foldedReturns);
            foreach (var cache in _threadCaches)
            {
                rents += cache.Rents;
                hits += cache.Hits;
                returns += cache.Returns;
                foreach (var array in cache.Slots)
                {
                    threadRetained += (array?.Length ?? 0) * _elementSize;
                }
            }
        }

        rents += Volatile.Read(ref _sharedRents);
        hits += Volatile.Read(ref _sharedHits);
        returns += Volatile.Read(ref _sharedReturns);
        return new PoolStatistics(rents, rents - hits, returns, Volatile.Read(ref _dropped), Volatile.Read(ref _trims), Volatile.Read(ref _trimmedBytes), Volatile.Read(ref _sharedRetainedBytes) + threadRetained);
    }

    /// <summary>Trims the pool and stops publishing its statistics. A disposed pool still rents (allocating) and drops returns.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Trim();
        _metrics.Untrack(this);
        lock (_cachesSync)
        {
            _threadCaches.Clear();
        }

        lock (IdSync)
        {
            FreeIds.Push(_id);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BucketIndex(int length) => BitOperations.Log2((uint)(length - 1) | (MinimumLength - 1)) + 1 - MinimumShift;

    private static int BucketLength(int bucket) => MinimumLength << bucket;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ThreadCache? CurrentCache()
    {
        var caches = t_caches;
        if (caches is not null && (uint)_id < (uint)caches.Length)
        {
            var cache = caches[_id];
            if (cache is not null && ReferenceEquals(cache.Owner, this))
            {
                return cache;
            }
        }

        return null;
    }

    private ThreadCache? CreateCache()
    {
        if (!_threadLocal || Volatile.Read(ref _disposed) != 0)
        {
            return null;
        }

        var caches = t_caches;
        if (caches is null || caches.Length <= _id)
        {
            Array.Resize(ref caches, Math.Max(_id + 1, (caches?.Length ?? 2) * 2));
            t_caches = caches;
        }

        var cache = new ThreadCache(this, _bucketCount);
        caches[_id] = cache;
        lock (_cachesSync)
        {
            _threadCaches.Add(cache);
        }

        return cache;
    }

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

    private T[]? PopShared(int bucket)
    {
        var partitions = _shared[bucket];
        var start = Thread.GetCurrentProcessorId() % partitions.Length;
        for (var i = 0; i < partitions.Length; i++)
        {
            if (partitions[(start + i) % partitions.Length].TryPop() is { } array)
            {
                Interlocked.Add(ref _sharedRetainedBytes, -(array.Length * _elementSize));
                return array;
            }
        }

        return null;
    }

    private bool PushShared(int bucket, T[] array)
    {
        var bytes = array.Length * _elementSize;
        if (Interlocked.Add(ref _sharedRetainedBytes, bytes) > _maxRetainedBytes)
        {
            Interlocked.Add(ref _sharedRetainedBytes, -bytes);
            return false;
        }

        var partitions = _shared[bucket];
        var start = Thread.GetCurrentProcessorId() % partitions.Length;
        for (var i = 0; i < partitions.Length; i++)
        {
            if (partitions[(start + i) % partitions.Length].TryPush(array))
            {
                return true;
            }
        }

        Interlocked.Add(ref _sharedRetainedBytes, -bytes);
        return false;
    }

    private sealed class ThreadCache(BoundedArrayPool<T> owner, int buckets)
    {
        public readonly BoundedArrayPool<T> Owner = owner;
        public readonly T[]?[] Slots = new T[]?[buckets];
        public readonly WeakReference<Thread> Thread = new(System.Threading.Thread.CurrentThread);
        public long Rents;
        public long Hits;
        public long Returns;
    }

    private sealed class Partition(int capacity)
    {
        private readonly T[]?[] _items = new T[]?[capacity];
        private readonly Lock _sync = new();
        private int _count;

        public bool TryPush(T[] array)
        {
            lock (_sync)
            {
                if (_count == _items.Length)
                {
                    return false;
                }

                _items[_count++] = array;
                return true;
            }
        }

        public T[]? TryPop()
        {
            lock (_sync)
            {
                if (_count == 0)
                {
                    return null;
                }

                var array = _items[--_count];
                _items[_count] = null;
                return array;
            }
        }

        public int Clear()
        {
            lock (_sync)
            {
                var count = _count;
                Array.Clear(_items, 0, count);
                _count = 0;
                return count;
            }
        }
    }
}
