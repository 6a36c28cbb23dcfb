namespace PerfKit.Caching;

/// <summary>
/// How one entry is cached. Pass an instance per call, or set <see cref="PerfKitCacheOptions.DefaultEntryOptions"/>.
/// Instances may be shared between calls; the cache never changes them.
/// </summary>
public sealed class CacheEntryOptions
{
    /// <summary>Default of <see cref="Duration"/>: 5 minutes.</summary>
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromMinutes(5);

    /// <summary>Default of <see cref="FailSafeThrottle"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultFailSafeThrottle = TimeSpan.FromSeconds(30);

    /// <summary>Default of <see cref="ClusterSingleFlightTimeout"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultClusterSingleFlightTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long the value is fresh. Default 5 minutes.</summary>
    public TimeSpan Duration { get; set; } = DefaultDuration;

    /// <summary>Up to this much is added at random to <see cref="Duration"/>, so entries written together do not expire together. Default zero.</summary>
    public TimeSpan Jitter { get; set; }

    /// <summary>
    /// Fail-safe: how long past expiry a stale value may still be served when the factory fails or times out.
    /// <see langword="null"/> (the default) turns fail-safe off.
    /// </summary>
    public TimeSpan? FailSafeMaxStaleness { get; set; }

    /// <summary>After a failure is answered with a stale value, how long that stale value is served before the factory is tried again. Default 30 seconds.</summary>
    public TimeSpan FailSafeThrottle { get; set; } = DefaultFailSafeThrottle;

    /// <summary>
    /// When a stale value exists, answer with it after this long and let the factory finish in the background
    /// (its result then replaces the stale value). <see langword="null"/> (the default): no soft timeout.
    /// </summary>
    public TimeSpan? FactorySoftTimeout { get; set; }

    /// <summary>
    /// Stop waiting for the factory after this long: answer with a stale value if fail-safe has one, else throw
    /// <see cref="CacheFactoryTimeoutException"/>. <see langword="null"/> (the default): no hard timeout.
    /// </summary>
    public TimeSpan? FactoryHardTimeout { get; set; }

    /// <summary>
    /// Eager refresh: a hit after this fraction of <see cref="Duration"/> (for example 0.8) starts a background
    /// refresh, so hot keys never expire under their callers. <see langword="null"/> (the default) turns it off.
    /// </summary>
    public double? EagerRefreshThreshold { get; set; }

    /// <summary>Tags for <see cref="IPerfKitCache.RemoveByTagAsync"/>. The factory may set its own.</summary>
    public IReadOnlyList<string>? Tags { get; set; }

    /// <summary>The entry's weight against <see cref="PerfKitCacheOptions.MaximumWeight"/>. Default 1.</summary>
    public long Size { get; set; } = 1;

    /// <summary>
    /// Give every caller its own copy of the value (a serializer round trip on each read), for mutable types that
    /// callers change. Default false: L1 hands out the stored object itself, with no copy and no deserialization.
    /// Strings and value types are never copied (they need not be).
    /// </summary>
    public bool CopyOnRead { get; set; }

    /// <summary>Keep the entry out of the distributed (L2) cache. Default false.</summary>
    public bool SkipDistributedCache { get; set; }

    /// <summary>
    /// Cluster-wide single flight, for factories that cost money (a model call): on an L1 and L2 miss, the node takes a
    /// lease on the key in L2 (<c>SET NX PX</c> with Redis) and runs the factory only if it got it; the other nodes wait
    /// for its result through L2 (woken early by the backplane's invalidation) and run the factory themselves only when
    /// <see cref="ClusterSingleFlightTimeout"/> has passed, or when the lease ended without a result (its holder died).
    /// Needs an L2 whose store supports leases (<see cref="Distributed.IDistributedCacheStore.SupportsLeases"/>:
    /// PerfKit.Caching.Redis does); otherwise, or while L2 is unreachable, each node runs its own factory. Default false.
    /// </summary>
    public bool ClusterSingleFlight { get; set; }

    /// <summary>
    /// With <see cref="ClusterSingleFlight"/>: how long the lease lasts, and at most how long a node waits for another
    /// node's result before it runs the factory itself. Longer than the factory takes. Default 30 seconds.
    /// </summary>
    public TimeSpan ClusterSingleFlightTimeout { get; set; } = DefaultClusterSingleFlightTimeout;

    /// <summary>A copy with the same settings.</summary>
    /// <returns>The copy.</returns>
    public CacheEntryOptions Clone() => (CacheEntryOptions)MemberwiseClone();

    /// <summary>Fresh and stale together, at most (jitter included).</summary>
    internal TimeSpan Lifetime => Duration + Jitter + (FailSafeMaxStaleness ?? TimeSpan.Zero);

    internal void Validate(string paramName)
    {
        // The common case allocates nothing: the list exists only once a rule is broken (this runs on every miss).
        List<string>? errors = null;
        CollectErrors(ref errors);
        if (errors is not null)
        {
            throw new ArgumentOutOfRangeException(paramName, string.Join(" ", errors));
        }
    }

    /// <summary>Adds a message for every rule this instance breaks (all of them, not only the first).</summary>
    internal void CollectErrors(ref List<string>? errors)
    {
        if (Duration <= TimeSpan.Zero)
        {
            (errors ??= []).Add($"CacheEntryOptions.Duration must be positive; it is {Duration}.");
        }

        if (Jitter < TimeSpan.Zero)
        {
            (errors ??= []).Add($"CacheEntryOptions.Jitter must not be negative; it is {Jitter}.");
        }

        if (FailSafeMaxStaleness is { } staleness && staleness < TimeSpan.Zero)
        {
            (errors ??= []).Add($"CacheEntryOptions.FailSafeMaxStaleness must not be negative; it is {staleness}.");
        }

        if (FailSafeThrottle < TimeSpan.Zero)
        {
            (errors ??= []).Add($"CacheEntryOptions.FailSafeThrottle must not be negative; it is {FailSafeThrottle}.");
        }

        if (FactorySoftTimeout is { } soft && soft <= TimeSpan.Zero)
        {
            (errors ??= []).Add($"CacheEntryOptions.FactorySoftTimeout must be positive; it is {soft}.");
        }

        if (FactoryHardTimeout is { } hard && hard <= TimeSpan.Zero)
        {
            (errors ??= []).Add($"CacheEntryOptions.FactoryHardTimeout must be positive; it is {hard}.");
        }

        if (EagerRefreshThreshold is { } eager && !(eager > 0 && eager < 1))
        {
            (errors ??= []).Add($"CacheEntryOptions.EagerRefreshThreshold must be greater than 0 and less than 1; it is {eager}.");
        }

        if (Size < 0)
        {
            (errors ??= []).Add($"CacheEntryOptions.Size must not be negative; it is {Size}.");
        }

        if (ClusterSingleFlightTimeout <= TimeSpan.Zero)
        {
            (errors ??= []).Add($"CacheEntryOptions.ClusterSingleFlightTimeout must be positive; it is {ClusterSingleFlightTimeout}.");
        }
    }
}
