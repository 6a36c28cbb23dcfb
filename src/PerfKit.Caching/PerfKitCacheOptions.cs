using System.ComponentModel.DataAnnotations;

namespace PerfKit.Caching;

/// <summary>Options of a <see cref="PerfKitCache"/>.</summary>
public sealed class PerfKitCacheOptions
{
    /// <summary>Default of <see cref="MaximumEntries"/>.</summary>
    public const long DefaultMaximumEntries = 100_000;

    /// <summary>Default of <see cref="DistributedOutboxCapacity"/>.</summary>
    public const int DefaultDistributedOutboxCapacity = 10_000;

    /// <summary>Default of <see cref="DistributedOutboxMaximumBytes"/>: 64 MiB.</summary>
    public const long DefaultDistributedOutboxMaximumBytes = 64L * 1024 * 1024;

    /// <summary>Default of <see cref="MaximumEntryLifetime"/>: one day.</summary>
    public static readonly TimeSpan DefaultMaximumEntryLifetime = TimeSpan.FromDays(1);

    /// <summary>The cache's name, for metrics, logs and named caches. Default <c>default</c>.</summary>
    [Required]
    public string Name { get; set; } = "default";

    /// <summary>The most entries L1 holds; past it, SIEVE evicts. Default 100,000.</summary>
    public long MaximumEntries { get; set; } = DefaultMaximumEntries;

    /// <summary>The most total <see cref="CacheEntryOptions.Size"/> L1 holds; <see langword="null"/> (the default): no weight bound.</summary>
    public long? MaximumWeight { get; set; }

    /// <summary>The largest <see cref="CacheEntryOptions.Size"/> one entry may have; larger entries are refused with <see cref="CacheEntryTooLargeException"/>. Default: no limit.</summary>
    public long MaximumEntrySize { get; set; } = long.MaxValue;

    /// <summary>Entry options used when a call passes none.</summary>
    [Required]
    public CacheEntryOptions DefaultEntryOptions { get; set; } = new();

    /// <summary>Prefixed to every key in the distributed cache, so several caches or apps can share one. Default empty.</summary>
    public string DistributedKeyPrefix { get; set; } = string.Empty;

    /// <summary>How long one distributed-cache call may take before it counts as failed. Default 1 second.</summary>
    public TimeSpan DistributedCacheTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// After the distributed cache could not be reached, how long reads skip it (serving from L1 and factories); then one
    /// read at a time probes it until one succeeds. Writes are never skipped: they go to the outbox. Default 5 seconds.
    /// </summary>
    public TimeSpan DistributedCacheBreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// With a backplane: how long an L1 copy is trusted before it is checked against L2 again. A lost invalidation
    /// message can leave a copy stale for at most this long. Default 30 seconds.
    /// </summary>
    public TimeSpan BackplaneRevalidationInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many failed L2 writes, removes and tag markers are kept (one per key or tag, the newest) to be replayed in
    /// order once L2 answers again. Past it the oldest is dropped, metered (<c>perfkit.cache.l2.outbox.dropped</c>) and
    /// logged once per outage. Default 10,000.
    /// </summary>
    public int DistributedOutboxCapacity { get; set; } = DefaultDistributedOutboxCapacity;

    /// <summary>
    /// The most payload bytes the outbox holds (the queued writes' serialized values); past it the oldest operations are
    /// dropped as for <see cref="DistributedOutboxCapacity"/>. Default 64 MiB.
    /// </summary>
    public long DistributedOutboxMaximumBytes { get; set; } = DefaultDistributedOutboxMaximumBytes;

    /// <summary>
    /// The longest an entry may live, fresh and stale together (<see cref="CacheEntryOptions.Duration"/> plus
    /// <see cref="CacheEntryOptions.FailSafeMaxStaleness"/>): longer entry options are refused, and a longer duration
    /// set by a factory is shortened to it. It is also how long tag invalidations are remembered, here and as L2 markers.
    /// Nodes that share an L2 must agree on it. Default one day.
    /// </summary>
    public TimeSpan MaximumEntryLifetime { get; set; } = DefaultMaximumEntryLifetime;

    /// <summary>The fraction of L1 entries dropped at <c>High</c> memory pressure (all at <c>Critical</c>). Default 0.5.</summary>
    public double ShrinkFractionUnderPressure { get; set; } = 0.5;
}
