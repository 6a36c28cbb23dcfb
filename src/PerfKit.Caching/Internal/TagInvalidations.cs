using System.Collections.Concurrent;

namespace PerfKit.Caching.Internal;

/// <summary>
/// When each tag was last invalidated (UTC ms), as this node knows it. Bounded in time: a record older than the
/// longest lifetime an entry can have (<see cref="PerfKitCacheOptions.MaximumEntryLifetime"/>) can no longer invalidate
/// anything (every entry created before it has expired), so it is pruned, as the L2 markers expire.
/// </summary>
internal sealed class TagInvalidations(long lifetimeMs)
{
    private readonly ConcurrentDictionary<string, long> _map = new(StringComparer.Ordinal);
    private readonly long _pruneEveryMs = Math.Max(lifetimeMs / 8, 1);
    private long _nextPruneUtcMs;

    public bool IsEmpty => _map.IsEmpty;

    public int Count => _map.Count;

    /// <summary>Whether an entry created at <paramref name="createdUtcMs"/> with <paramref name="tag"/> was invalidated since.</summary>
    public bool InvalidatedAfter(string tag, long createdUtcMs) =>
        _map.TryGetValue(tag, out var invalidatedAt) && createdUtcMs <= invalidatedAt;

    public void Record(string tag, long invalidatedAtUtcMs, long utcNowMs)
    {
        if (invalidatedAtUtcMs <= utcNowMs - lifetimeMs)
        {
            return;
        }

        _map.AddOrUpdate(tag, invalidatedAtUtcMs, (_, old) => Math.Max(old, invalidatedAtUtcMs));
        Prune(utcNowMs);
    }

    /// <summary>Drops the records that can no longer invalidate anything; runs at most every eighth of the lifetime.</summary>
    public void Prune(long utcNowMs)
    {
        var next = Volatile.Read(ref _nextPruneUtcMs);
        if (utcNowMs < next || Interlocked.CompareExchange(ref _nextPruneUtcMs, utcNowMs + _pruneEveryMs, next) != next)
        {
            return;
        }

        var horizon = utcNowMs - lifetimeMs;
        foreach (var pair in _map)
        {
            if (pair.Value <= horizon)
            {
                _map.TryRemove(pair);
            }
        }
    }
}
