using System.Collections.Concurrent;

namespace PerfKit.Caching.Internal;

/// <summary>
/// L1: a concurrent map plus the SIEVE eviction policy (Zhang et al., NSDI '24). A hit only sets a flag, without a
/// lock or an allocation; inserts go to the head of a FIFO; to evict, a hand walks from the tail towards the head,
/// clearing flags, and evicts the first entry not visited since the hand last passed. On skewed traffic this keeps
/// popular entries better than LRU while hits stay as cheap as a dictionary lookup. See Internal/README.md.
/// </summary>
internal sealed class SieveStore
{
    private readonly ConcurrentDictionary<string, CacheEntry> _map = new(StringComparer.Ordinal);
    private readonly Lock _sync = new();
    private readonly long _maxEntries;
    private readonly long? _maxWeight;

    // Tag index: the linked entries of each tag, so that invalidating a tag costs the entries it names, not a scan of L1.
    private readonly Dictionary<string, HashSet<CacheEntry>> _byTag = new(StringComparer.Ordinal);
    private CacheEntry? _head;
    private CacheEntry? _tail;
    private CacheEntry? _hand;
    private long _count;
    private long _weight;

    public SieveStore(long maxEntries, long? maxWeight)
    {
        _maxEntries = maxEntries;
        _maxWeight = maxWeight;
    }

    public long Count => Volatile.Read(ref _count);

    public long Weight => Volatile.Read(ref _weight);

    public bool TryGet(string key, out CacheEntry entry)
    {
        if (_map.TryGetValue(key, out entry!))
        {
            // Written only when not yet set: a hot entry's cache line stays shared between cores instead of
            // bouncing between them on every hit.
            if (!entry.Visited)
            {
                entry.Visited = true;
            }

            return true;
        }

        return false;
    }

    /// <summary>Stores an entry, replacing any entry of the same key, and evicts as needed.</summary>
    /// <returns>The number of entries evicted.</returns>
    public int Set(CacheEntry entry)
    {
        var evicted = 0;
        lock (_sync)
        {
            // A miss adds a new key (one hash lookup); only a replacement pays for the second.
            if (!_map.TryAdd(entry.Key, entry))
            {
                if (_map.TryGetValue(entry.Key, out var old))
                {
                    Unlink(old);
                }

                _map[entry.Key] = entry;
            }

            LinkAtHead(entry);
            while (_count > _maxEntries || (_maxWeight is { } max && _weight > max && _count > 1))
            {
                if (!EvictOne(except: entry))
                {
                    break;
                }

                evicted++;
            }
        }

        return evicted;
    }

    public bool Remove(string key)
    {
        lock (_sync)
        {
            if (_map.TryRemove(key, out var entry))
            {
                Unlink(entry);
                return true;
            }
        }

        return false;
    }

    /// <summary>Removes an entry only if it is still the one stored under its key.</summary>
    public bool Remove(CacheEntry entry)
    {
        lock (_sync)
        {
            if (_map.TryRemove(new KeyValuePair<string, CacheEntry>(entry.Key, entry)))
            {
                Unlink(entry);
                return true;
            }
        }

        return false;
    }

    /// <summary>Evicts by the policy until at most <paramref name="keep"/> entries remain.</summary>
    /// <returns>The weight evicted.</returns>
    public long Shrink(long keep)
    {
        long freed = 0;
        lock (_sync)
        {
            while (_count > keep)
            {
                var weight = _weight;
                if (!EvictOne(except: null))
                {
                    break;
                }

                freed += weight - _weight;
            }
        }

        return freed;
    }

    /// <summary>Removes every entry that carries <paramref name="tag"/>, through the tag index.</summary>
    /// <returns>The number removed.</returns>
    public int RemoveByTag(string tag)
    {
        lock (_sync)
        {
            if (!_byTag.Remove(tag, out var entries))
            {
                return 0;
            }

            foreach (var entry in entries)
            {
                _map.TryRemove(new KeyValuePair<string, CacheEntry>(entry.Key, entry));
                Unlink(entry);
            }

            return entries.Count;
        }
    }

    /// <summary>Tags with at least one entry in L1 (for tests and diagnostics).</summary>
    public int IndexedTagCount
    {
        get
        {
            lock (_sync)
            {
                return _byTag.Count;
            }
        }
    }

    private bool EvictOne(CacheEntry? except)
    {
        var hand = _hand ?? _tail;
        for (var steps = 0L; hand is not null; steps++)
        {
            if (hand.Visited && steps <= 2 * _count)
            {
                hand.Visited = false;
                hand = hand.Newer ?? _tail;
                continue;
            }

            if (ReferenceEquals(hand, except))
            {
                if (_count <= 1)
                {
                    return false;
                }

                hand = hand.Newer ?? _tail;
                continue;
            }

            var victim = hand;
            _hand = victim.Newer;
            _map.TryRemove(new KeyValuePair<string, CacheEntry>(victim.Key, victim));
            Unlink(victim);
            return true;
        }

        return false;
    }

    private void LinkAtHead(CacheEntry entry)
    {
        entry.Older = _head;
        entry.Newer = null;
        if (_head is not null)
        {
            _head.Newer = entry;
        }

        _head = entry;
        _tail ??= entry;
        entry.Linked = true;
        _count++;
        _weight += entry.Size;
        if (entry.Tags is { } tags)
        {
            foreach (var tag in tags)
            {
                if (!_byTag.TryGetValue(tag, out var set))
                {
                    _byTag[tag] = set = new HashSet<CacheEntry>(ReferenceEqualityComparer.Instance);
                }

                set.Add(entry);
            }
        }
    }

    private void Unlink(CacheEntry entry)
    {
        if (!entry.Linked)
        {
            return;
        }

        if (ReferenceEquals(_hand, entry))
        {
            _hand = entry.Newer;
        }

        if (entry.Newer is not null)
        {
            entry.Newer.Older = entry.Older;
        }
        else
        {
            _head = entry.Older;
        }

        if (entry.Older is not null)
        {
            entry.Older.Newer = entry.Newer;
        }
        else
        {
            _tail = entry.Newer;
        }

        entry.Newer = null;
        entry.Older = null;
        entry.Linked = false;
        _count--;
        _weight -= entry.Size;
        if (entry.Tags is { } tags)
        {
            foreach (var tag in tags)
            {
                if (_byTag.TryGetValue(tag, out var set) && set.Remove(entry) && set.Count == 0)
                {
                    _byTag.Remove(tag);
                }
            }
        }
    }
}
