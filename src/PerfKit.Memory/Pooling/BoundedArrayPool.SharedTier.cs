namespace PerfKit.Memory.Pooling;

// The shared tier: per-processor stacks per size class, capped in bytes by BoundedArrayPoolOptions.MaxRetainedBytes.
public sealed partial class BoundedArrayPool<T>
{
    private readonly long _maxRetainedBytes;
    private readonly Partition[][] _shared;
    private long _sharedRetainedBytes;

    private static Partition[][] CreateSharedTier(int buckets, int arraysPerBucket)
    {
        var partitions = Math.Clamp(Environment.ProcessorCount, 1, 16);
        var shared = new Partition[buckets][];
        for (var b = 0; b < buckets; b++)
        {
            shared[b] = new Partition[partitions];
            for (var p = 0; p < partitions; p++)
            {
                shared[b][p] = new Partition(arraysPerBucket);
            }
        }

        return shared;
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

    private long ClearSharedTier()
    {
        long freed = 0;
        for (var b = 0; b < _bucketCount; b++)
        {
            foreach (var partition in _shared[b])
            {
                freed += BytesOf(partition.Clear(), BucketLength(b), _elementSize);
            }
        }

        Interlocked.Add(ref _sharedRetainedBytes, -freed);
        return freed;
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
