using System.Runtime.CompilerServices;

namespace PerfKit.Memory.Pooling;

// The thread-local tier: one slot per size class per thread, lock-free. A thread's caches live in a thread-static
// array; a per-thread ThreadExitSentinel beside it becomes unreachable when the thread dies (the runtime frees its
// statics), and its finalizer folds the dead thread's counters into the pool and drops its slots, without waiting for
// a reader. That takes two full collections, not one: the pool's list still references each cache (for trims and
// statistics), so the slots' arrays stay reachable until the finalizer, which runs after the first collection,
// drops them; the second collection frees them.
public sealed partial class BoundedArrayPool<T>
{
    private static readonly Lock IdSync = new();
    private static readonly Stack<int> FreeIds = new();
    private static int s_nextId;

    [ThreadStatic]
    private static ThreadCache?[]? t_caches;

    [ThreadStatic]
    private static ThreadExitSentinel? t_sentinel;

    private readonly int _id;
    private readonly bool _threadLocal;
    private readonly Lock _cachesSync = new();
    private readonly List<ThreadCache> _threadCaches = [];
    private long _foldedRents;
    private long _foldedHits;
    private long _foldedReturns;

    private static int AcquireId()
    {
        lock (IdSync)
        {
            return FreeIds.Count > 0 ? FreeIds.Pop() : s_nextId++;
        }
    }

    private static void ReleaseId(int id)
    {
        lock (IdSync)
        {
            FreeIds.Push(id);
        }
    }

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

        var sentinel = t_sentinel ??= new ThreadExitSentinel();
        var caches = t_caches;
        if (caches is null || caches.Length <= _id)
        {
            Array.Resize(ref caches, Math.Max(_id + 1, (caches?.Length ?? 2) * 2));
            t_caches = caches;
            sentinel.Caches = caches;
        }

        var cache = new ThreadCache(this, _bucketCount);
        caches[_id] = cache;
        lock (_cachesSync)
        {
            _threadCaches.Add(cache);
        }

        return cache;
    }

    /// <summary>Called by the finalizer of a dead thread's sentinel.</summary>
    private void OnThreadExited(ThreadCache cache)
    {
        lock (_cachesSync)
        {
            if (_threadCaches.Remove(cache))
            {
                RetireLocked(cache);
            }
        }
    }

    /// <summary>Keeps a removed cache's counters and drops its arrays for the GC. The caller holds <c>_cachesSync</c> and has removed the cache from the list, so this runs once per cache.</summary>
    private void RetireLocked(ThreadCache cache)
    {
        _foldedRents += cache.Rents;
        _foldedHits += cache.Hits;
        _foldedReturns += cache.Returns;
        for (var b = 0; b < cache.Slots.Length; b++)
        {
            Volatile.Write(ref cache.Slots[b], null);
        }
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

    /// <summary>
    /// Referenced only by its thread's static, so it is finalized once the thread has died. Its finalizer runs on
    /// the finalizer thread while the owning thread can no longer touch the caches, and only takes short locks.
    /// </summary>
    private sealed class ThreadExitSentinel
    {
        public ThreadCache?[]? Caches;

        ~ThreadExitSentinel()
        {
            if (Caches is not { } caches)
            {
                return;
            }

            foreach (var cache in caches)
            {
                cache?.Owner.OnThreadExited(cache);
            }
        }
    }
}
