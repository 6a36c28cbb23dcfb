using Microsoft.Extensions.ObjectPool;
using PerfKit.Memory.Internal;

namespace PerfKit.Memory.Pooling;

/// <summary>
/// An <see cref="ObjectPool{T}"/> (Microsoft.Extensions.ObjectPool) that keeps at most
/// <see cref="BoundedObjectPoolOptions.MaximumRetained"/> objects, counts what it does, and empties itself under memory
/// pressure. Dropped and trimmed objects that are <see cref="IDisposable"/> are disposed.
/// </summary>
/// <typeparam name="T">The pooled type.</typeparam>
public sealed class BoundedObjectPool<T> : ObjectPool<T>, IMemoryPressureResponder, IPoolStatisticsSource, IDisposable, IAsyncDisposable
    where T : class
{
    private readonly IPooledObjectPolicy<T> _policy;
    private readonly T?[] _items;
    private readonly long _objectSize;
    private readonly MemoryMetrics _metrics;
    private T? _first;
    private long _rents;
    private long _misses;
    private long _returns;
    private long _dropped;
    private long _trims;
    private long _trimmedBytes;
    private int _disposed;

    /// <summary>Creates a pool with default options.</summary>
    /// <param name="policy">Creates objects and resets them on return (a <see langword="false"/> return drops the object).</param>
    public BoundedObjectPool(IPooledObjectPolicy<T> policy)
        : this(policy, new BoundedObjectPoolOptions())
    {
    }

    /// <summary>Creates a pool. Bad options throw <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> naming every bad option.</summary>
    /// <param name="policy">Creates objects and resets them on return (a <see langword="false"/> return drops the object).</param>
    /// <param name="options">The options.</param>
    /// <param name="dependencies">The <c>PerfKit.Memory</c> meter's factory; default a shared meter.</param>
    public BoundedObjectPool(IPooledObjectPolicy<T> policy, BoundedObjectPoolOptions options, PerfKitMemoryDependencies? dependencies = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(options);
        BoundedObjectPoolOptionsValidator.ThrowIfInvalid(options);
        _policy = policy;
        _items = new T?[options.MaximumRetained - 1];
        _objectSize = options.EstimatedObjectSizeBytes;
        Name = options.Name;
        _metrics = MemoryMetrics.For(dependencies?.MeterFactory);
        _metrics.Track(this);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public int Priority => MemoryResponderPriority.Pools;

    /// <inheritdoc />
    public override T Get()
    {
        Interlocked.Increment(ref _rents);
        var item = _first;
        if (item is not null && Interlocked.CompareExchange(ref _first, null, item) == item)
        {
            return item;
        }

        var items = _items;
        for (var i = 0; i < items.Length; i++)
        {
            item = items[i];
            if (item is not null && Interlocked.CompareExchange(ref items[i], null, item) == item)
            {
                return item;
            }
        }

        Interlocked.Increment(ref _misses);
        return _policy.Create();
    }

    /// <inheritdoc />
    public override void Return(T obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        Interlocked.Increment(ref _returns);
        if (Volatile.Read(ref _disposed) == 0 && _policy.Return(obj))
        {
            if (_first is null && Interlocked.CompareExchange(ref _first, obj, null) is null)
            {
                return;
            }

            var items = _items;
            for (var i = 0; i < items.Length; i++)
            {
                if (items[i] is null && Interlocked.CompareExchange(ref items[i], obj, null) is null)
                {
                    return;
                }
            }
        }

        Interlocked.Increment(ref _dropped);
        (obj as IDisposable)?.Dispose();
    }

    /// <summary>Drops (and disposes) every retained object.</summary>
    /// <returns>The estimated bytes released.</returns>
    public long Trim()
    {
        long count = 0;
        if (Interlocked.Exchange(ref _first, null) is { } first)
        {
            count++;
            (first as IDisposable)?.Dispose();
        }

        for (var i = 0; i < _items.Length; i++)
        {
            if (Interlocked.Exchange(ref _items[i], null) is { } item)
            {
                count++;
                (item as IDisposable)?.Dispose();
            }
        }

        var bytes = count * _objectSize;
        Interlocked.Increment(ref _trims);
        Interlocked.Add(ref _trimmedBytes, bytes);
        return bytes;
    }

    /// <inheritdoc />
    public ValueTask<long> RespondAsync(MemoryPressureContext context, CancellationToken cancellationToken) => ValueTask.FromResult(Trim());

    /// <summary>The pool's counters.</summary>
    /// <returns>The statistics.</returns>
    public PoolStatistics GetStatistics()
    {
        var retained = (Volatile.Read(ref _first) is null ? 0 : 1) + _items.Count(static i => i is not null);
        return new PoolStatistics(Volatile.Read(ref _rents), Volatile.Read(ref _misses), Volatile.Read(ref _returns), Volatile.Read(ref _dropped), Volatile.Read(ref _trims), Volatile.Read(ref _trimmedBytes), retained * _objectSize);
    }

    /// <summary>Like <see cref="Dispose"/>, for <c>await using</c> and asynchronous owners; retained objects are disposed as by <see cref="Dispose"/>.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Trims the pool and stops publishing its statistics; later returns are dropped.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Trim();
            _metrics.Untrack(this);
        }
    }
}
