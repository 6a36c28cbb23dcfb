namespace PerfKit.Memory.Pooling;

// Trim (by hand or under pressure) and the pool's counters.
public sealed partial class BoundedArrayPool<T>
{
    private long _sharedRents;
    private long _sharedHits;
    private long _sharedReturns;
    private long _dropped;
    private long _trims;
    private long _trimmedBytes;

    /// <summary>Bytes retained now in both tiers, read without folding exited threads (a test hook: it must not hide what <see cref="GetStatistics"/> would clean up).</summary>
    internal long RetainedBytesNow
    {
        get
        {
            var bytes = Volatile.Read(ref _sharedRetainedBytes);
            lock (_cachesSync)
            {
                foreach (var cache in _threadCaches)
                {
                    foreach (var array in cache.Slots)
                    {
                        bytes += (array?.Length ?? 0) * _elementSize;
                    }
                }
            }

            return bytes;
        }
    }

    /// <summary>Drops every retained array, in all tiers and on all threads.</summary>
    /// <returns>The bytes released.</returns>
    public long Trim()
    {
        var freed = ClearSharedTier();
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
            // Exited threads are normally retired by their sentinel's finalizer; one that has not run yet is retired here.
            for (var i = _threadCaches.Count - 1; i >= 0; i--)
            {
                var cache = _threadCaches[i];
                if (!cache.Thread.TryGetTarget(out var thread) || !thread.IsAlive)
                {
                    _threadCaches.RemoveAt(i);
                    RetireLocked(cache);
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
}
