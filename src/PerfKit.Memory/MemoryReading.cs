namespace PerfKit.Memory;

/// <summary>One reading of the process's memory, as taken by an <see cref="IMemoryProbe"/>.</summary>
public readonly struct MemoryReading
{
    /// <summary>Creates a reading.</summary>
    /// <param name="managedHeapBytes">Bytes the managed heap holds, live or not yet collected.</param>
    /// <param name="workingSetBytes">Resident bytes of the process.</param>
    /// <param name="totalAvailableBytes">Memory the GC believes is available to the process (honours container limits and heap hard limits).</param>
    /// <param name="containerLimitBytes">The cgroup memory limit, or <see langword="null"/> where none is set or readable.</param>
    /// <param name="containerUsageBytes">The cgroup memory usage, or <see langword="null"/> where none is readable.</param>
    public MemoryReading(long managedHeapBytes, long workingSetBytes, long totalAvailableBytes, long? containerLimitBytes, long? containerUsageBytes)
    {
        ManagedHeapBytes = managedHeapBytes;
        WorkingSetBytes = workingSetBytes;
        TotalAvailableBytes = totalAvailableBytes;
        ContainerLimitBytes = containerLimitBytes;
        ContainerUsageBytes = containerUsageBytes;
    }

    /// <summary>Bytes the managed heap holds, live or not yet collected.</summary>
    public long ManagedHeapBytes { get; }

    /// <summary>Resident bytes of the process.</summary>
    public long WorkingSetBytes { get; }

    /// <summary>Memory the GC believes is available to the process (honours container limits and heap hard limits).</summary>
    public long TotalAvailableBytes { get; }

    /// <summary>The cgroup memory limit, or <see langword="null"/> where none is set or readable.</summary>
    public long? ContainerLimitBytes { get; }

    /// <summary>The cgroup memory usage, or <see langword="null"/> where none is readable.</summary>
    public long? ContainerUsageBytes { get; }

    /// <summary>The measurement that <paramref name="source"/> names.</summary>
    /// <param name="source">Which measurement counts against the budget.</param>
    /// <returns>Bytes in use by that measure.</returns>
    public long UsageBytes(MemoryUsageSource source) => source switch
    {
        MemoryUsageSource.ManagedHeap => ManagedHeapBytes,
        MemoryUsageSource.Container => ContainerUsageBytes ?? WorkingSetBytes,
        _ => WorkingSetBytes,
    };
}
