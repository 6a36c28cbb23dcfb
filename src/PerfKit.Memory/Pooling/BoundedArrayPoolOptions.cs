namespace PerfKit.Memory.Pooling;

/// <summary>Options of a <see cref="BoundedArrayPool{T}"/>.</summary>
public sealed class BoundedArrayPoolOptions
{
    /// <summary>Default of <see cref="MaxRetainedBytes"/>: 64 MiB.</summary>
    public const long DefaultMaxRetainedBytes = 64L * 1024 * 1024;

    /// <summary>Default of <see cref="MaxArrayLength"/>: 1 Mi elements.</summary>
    public const int DefaultMaxArrayLength = 1024 * 1024;

    /// <summary>Default of <see cref="MaxArraysPerBucket"/>.</summary>
    public const int DefaultMaxArraysPerBucket = 32;

    /// <summary>The least <see cref="MaxArrayLength"/>: 16 elements.</summary>
    public const int MinimumMaxArrayLength = 16;

    /// <summary>The largest <see cref="MaxArrayLength"/>: 2^30 elements.</summary>
    public const int MaximumMaxArrayLength = 1 << 30;

    /// <summary>The largest <see cref="MaxArraysPerBucket"/>.</summary>
    public const int MaximumMaxArraysPerBucket = 4096;

    /// <summary>A name for metrics, logs and reclaim reports; not empty. Default <c>arrays</c>.</summary>
    public string Name { get; set; } = "arrays";

    /// <summary>
    /// The most bytes the shared tier of the pool retains; returns past it are dropped for the GC. Each thread also
    /// keeps at most one array per size class in a thread-local slot (as <c>ArrayPool.Shared</c> does); those are
    /// counted in <see cref="PoolStatistics.RetainedBytes"/> and released by trims. Default 64 MiB.
    /// </summary>
    public long MaxRetainedBytes { get; set; } = DefaultMaxRetainedBytes;

    /// <summary>The longest array the pool keeps; longer rents are allocated and their returns dropped. From 16 to 2^30 (rounded up to a power of two). Default 1 Mi elements.</summary>
    public int MaxArrayLength { get; set; } = DefaultMaxArrayLength;

    /// <summary>How many arrays of one size the shared tier keeps per processor, from 1 to 4096. Default 32.</summary>
    public int MaxArraysPerBucket { get; set; } = DefaultMaxArraysPerBucket;

    /// <summary>Whether each thread keeps one array per size class in a lock-free slot. Default true; turn off for a strict byte cap.</summary>
    public bool ThreadLocalCaching { get; set; } = true;
}
