namespace PerfKit.Caching.Internal;

/// <summary>
/// L2 writes, removes and tag markers that failed, kept in order until L2 answers again. Bounded in operations and in
/// payload bytes: past either bound the oldest operations are dropped (the caller meters and logs them). One operation per key: a newer operation on a key
/// replaces the queued one and moves to the back, so the replay never writes a key's older state after its newer one.
/// </summary>
internal sealed class DistributedOutbox(int capacity, long maximumBytes)
{
    private readonly Lock _sync = new();
    private readonly LinkedList<DistributedOperation> _queue = new();
    private readonly Dictionary<string, LinkedListNode<DistributedOperation>> _byId = new(StringComparer.Ordinal);
    private int _count;
    private long _bytes;

    public int Count => Volatile.Read(ref _count);

    public int Capacity => capacity;

    public long MaximumBytes => maximumBytes;

    /// <summary>Whether an operation on <paramref name="key"/> (a prefixed L2 key) waits: its L2 value must not be trusted.</summary>
    public bool HasPendingKey(string key) => Volatile.Read(ref _count) != 0 && HasPending(DistributedOperation.KeyId(key));

    /// <summary>Whether an operation with this id (<see cref="DistributedOperation.Id"/>) waits, or is being replayed.</summary>
    public bool HasPending(string id)
    {
        if (Volatile.Read(ref _count) == 0)
        {
            return false;
        }

        lock (_sync)
        {
            return _byId.ContainsKey(id);
        }
    }

    /// <summary>
    /// Queues an operation, replacing the queued one of the same key or tag, unless the queued one is newer (an
    /// operation that failed late must not replace a later operation on the same key).
    /// </summary>
    /// <returns>The operations dropped to make room (oldest first; the new one itself if it alone is over the byte bound), or null.</returns>
    public List<DistributedOperation>? Enqueue(DistributedOperation operation)
    {
        lock (_sync)
        {
            if (_byId.TryGetValue(operation.Id, out var old))
            {
                if (old.Value.Sequence > operation.Sequence)
                {
                    return null;
                }

                Unlink(old);
            }

            _byId[operation.Id] = _queue.AddLast(operation);
            _bytes += operation.Bytes;
            List<DistributedOperation>? dropped = null;
            while (_queue.Count > capacity || (_bytes > maximumBytes && _queue.Count > 0))
            {
                var oldest = _queue.First!;
                (dropped ??= []).Add(oldest.Value);
                Unlink(oldest);
            }

            Volatile.Write(ref _count, _queue.Count);
            return dropped;
        }
    }

    /// <summary>The oldest operation, left in the queue until <see cref="Complete"/>.</summary>
    public DistributedOperation? Peek()
    {
        if (Volatile.Read(ref _count) == 0)
        {
            return null;
        }

        lock (_sync)
        {
            return _queue.First?.Value;
        }
    }

    /// <summary>Removes <paramref name="operation"/> if it is still the one queued for its key (a newer one may have replaced it).</summary>
    public bool Complete(DistributedOperation operation)
    {
        lock (_sync)
        {
            if (_byId.TryGetValue(operation.Id, out var node) && ReferenceEquals(node.Value, operation))
            {
                Unlink(node);
                Volatile.Write(ref _count, _queue.Count);
                return true;
            }

            return false;
        }
    }

    /// <summary>A direct write of a key succeeded: whatever older operation was queued for it is done with.</summary>
    public void Supersede(DistributedOperation operation)
    {
        if (Volatile.Read(ref _count) == 0)
        {
            return;
        }

        lock (_sync)
        {
            if (_byId.TryGetValue(operation.Id, out var node) && node.Value.Sequence < operation.Sequence)
            {
                Unlink(node);
                Volatile.Write(ref _count, _queue.Count);
            }
        }
    }

    /// <summary>Empties the queue.</summary>
    /// <returns>What it held, oldest first.</returns>
    public List<DistributedOperation> Drain()
    {
        lock (_sync)
        {
            var all = new List<DistributedOperation>(_queue);
            _queue.Clear();
            _byId.Clear();
            _bytes = 0;
            Volatile.Write(ref _count, 0);
            return all;
        }
    }

    private void Unlink(LinkedListNode<DistributedOperation> node)
    {
        _byId.Remove(node.Value.Id);
        _queue.Remove(node);
        _bytes -= node.Value.Bytes;
    }
}

/// <summary>What an L2 operation does.</summary>
internal enum DistributedOperationKind
{
    Set,
    Remove,
    Tag,
}

/// <summary>One queued L2 operation. Keys and tags are the prefixed names sent to the store.</summary>
internal sealed class DistributedOperation
{
    private static long s_sequence;

    private DistributedOperation(DistributedOperationKind kind, string name, byte[]? payload, long timeUtcMs)
    {
        Sequence = Interlocked.Increment(ref s_sequence);
        Kind = kind;
        Name = name;
        Payload = payload;
        TimeUtcMs = timeUtcMs;
        Id = kind == DistributedOperationKind.Tag ? TagId(name) : KeyId(name);
    }

    public DistributedOperationKind Kind { get; }

    /// <summary>Creation order: of two operations on one key, the later one wins.</summary>
    public long Sequence { get; }

    /// <summary>The prefixed key, or the prefixed tag.</summary>
    public string Name { get; }

    public string Id { get; }

    /// <summary>For a set: the payload.</summary>
    public byte[]? Payload { get; }

    /// <summary>What it holds in memory, roughly: the payload and the name.</summary>
    public long Bytes => (Payload?.Length ?? 0) + (2L * Name.Length) + 64;

    /// <summary>For a set: when its L2 copy must be gone (UTC ms). For a tag marker: the invalidation time.</summary>
    public long TimeUtcMs { get; }

    public string OperationName => Kind switch
    {
        DistributedOperationKind.Set => "set",
        DistributedOperationKind.Remove => "remove",
        _ => "tag",
    };

    public static DistributedOperation Set(string key, byte[] payload, long expiresUtcMs) => new(DistributedOperationKind.Set, key, payload, expiresUtcMs);

    public static DistributedOperation Remove(string key) => new(DistributedOperationKind.Remove, key, null, 0);

    public static DistributedOperation Tag(string tag, long invalidatedAtUtcMs) => new(DistributedOperationKind.Tag, tag, null, invalidatedAtUtcMs);

    public static string KeyId(string key) => "k:" + key;

    public static string TagId(string tag) => "t:" + tag;
}
