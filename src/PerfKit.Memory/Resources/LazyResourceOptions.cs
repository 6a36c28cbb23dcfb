namespace PerfKit.Memory.Resources;

/// <summary>Options of a <see cref="LazyResource{T}"/>.</summary>
public sealed class LazyResourceOptions
{
    /// <summary>Default of <see cref="IdleTimeout"/>: 10 minutes.</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The longest <see cref="IdleTimeout"/>: 49 days (a timer cannot wait longer than about 49.7 days); use <see cref="Timeout.InfiniteTimeSpan"/> for never.</summary>
    public static readonly TimeSpan MaximumIdleTimeout = TimeSpan.FromDays(49);

    /// <summary>A name for metrics, logs and reclaim reports. Default: the resource type's name.</summary>
    public string? Name { get; set; }

    /// <summary>Unload after this long without a lease; <see cref="Timeout.InfiniteTimeSpan"/> never unloads for idleness. At most <see cref="MaximumIdleTimeout"/> (49 days). Default 10 minutes.</summary>
    public TimeSpan IdleTimeout { get; set; } = DefaultIdleTimeout;

    /// <summary>Whether the resource unloads when the memory budget asks responders to shed memory. Default true.</summary>
    public bool UnloadUnderPressure { get; set; } = true;

    /// <summary>
    /// The resource's size, reported to reclaim as the bytes an unload frees. Default 0: the size is estimated
    /// from the bytes the process allocated while loading (approximate when other threads allocate meanwhile).
    /// </summary>
    public long EstimatedSizeBytes { get; set; }

    /// <summary>Responder priority; lower runs first. Default <see cref="MemoryResponderPriority.LazyResources"/>.</summary>
    public int Priority { get; set; } = MemoryResponderPriority.LazyResources;
}
