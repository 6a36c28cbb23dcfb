using System.Globalization;
using System.Text;
using PerfKit.Shared;

namespace PerfKit.Memory;

/// <summary>
/// A diagnostic picture of the process's memory: the managed heap by generation, fragmentation, committed bytes,
/// working set, container limit, GC counts and pause time, and (given an earlier snapshot) the allocation rate.
/// </summary>
public sealed class MemorySnapshot
{
    private MemorySnapshot()
    {
    }

    /// <summary>When the snapshot was taken, by the given <see cref="TimeProvider"/>.</summary>
    public DateTimeOffset Timestamp { get; private init; }

    /// <summary>Size of gen0 after the last GC.</summary>
    public long Gen0Bytes { get; private init; }

    /// <summary>Size of gen1 after the last GC.</summary>
    public long Gen1Bytes { get; private init; }

    /// <summary>Size of gen2 after the last GC.</summary>
    public long Gen2Bytes { get; private init; }

    /// <summary>Size of the large object heap after the last GC.</summary>
    public long LargeObjectHeapBytes { get; private init; }

    /// <summary>Size of the pinned object heap after the last GC.</summary>
    public long PinnedObjectHeapBytes { get; private init; }

    /// <summary>Heap size after the last GC, all generations.</summary>
    public long HeapSizeBytes { get; private init; }

    /// <summary>Free space inside the heap after the last GC.</summary>
    public long FragmentedBytes { get; private init; }

    /// <summary>Memory the GC has committed from the OS.</summary>
    public long CommittedBytes { get; private init; }

    /// <summary>Managed bytes now, live or not yet collected.</summary>
    public long ManagedBytes { get; private init; }

    /// <summary>Resident bytes of the process.</summary>
    public long WorkingSetBytes { get; private init; }

    /// <summary>Memory available to the process as the GC sees it (honours container and hard limits).</summary>
    public long TotalAvailableBytes { get; private init; }

    /// <summary>The cgroup memory limit, or <see langword="null"/> where there is none.</summary>
    public long? ContainerLimitBytes { get; private init; }

    /// <summary>Bytes allocated by the process since it started.</summary>
    public long TotalAllocatedBytes { get; private init; }

    /// <summary>Bytes allocated per second since the previous snapshot, or <see langword="null"/> without one.</summary>
    public double? AllocationRateBytesPerSecond { get; private init; }

    /// <summary>Gen0 collections since the process started.</summary>
    public int Gen0Collections { get; private init; }

    /// <summary>Gen1 collections since the process started.</summary>
    public int Gen1Collections { get; private init; }

    /// <summary>Gen2 collections since the process started.</summary>
    public int Gen2Collections { get; private init; }

    /// <summary>Percentage of time the GC paused the process, as of the last GC.</summary>
    public double PauseTimePercentage { get; private init; }

    /// <summary>Total time paused for GC since the process started.</summary>
    public TimeSpan TotalPauseDuration { get; private init; }

    private long RawTimestamp { get; init; }

    /// <summary>Takes a snapshot.</summary>
    /// <param name="previous">An earlier snapshot, to compute the allocation rate; may be <see langword="null"/>.</param>
    /// <param name="dependencies">
    /// The clock (<see cref="PerfKitMemoryDependencies.TimeProvider"/>, default <see cref="TimeProvider.System"/>) and
    /// where the working set and container figures come from (<see cref="PerfKitMemoryDependencies.MemoryProbe"/>,
    /// default <see cref="RuntimeMemoryProbe.Instance"/>); the other members are not used.
    /// </param>
    /// <returns>The snapshot.</returns>
    public static MemorySnapshot Capture(MemorySnapshot? previous = null, PerfKitMemoryDependencies? dependencies = null)
    {
        var timeProvider = dependencies?.TimeProvider ?? TimeProvider.System;
        var info = GC.GetGCMemoryInfo(GCKind.Any);
        var generations = info.GenerationInfo;
        var reading = (dependencies?.MemoryProbe ?? RuntimeMemoryProbe.Instance).Read();
        var timestamp = timeProvider.GetTimestamp();
        var allocated = GC.GetTotalAllocatedBytes();
        double? rate = null;
        if (previous is not null)
        {
            var seconds = timeProvider.GetElapsedTime(previous.RawTimestamp, timestamp).TotalSeconds;
            rate = seconds > 0 ? (allocated - previous.TotalAllocatedBytes) / seconds : null;
        }

        return new MemorySnapshot
        {
            Timestamp = timeProvider.GetUtcNow(),
            RawTimestamp = timestamp,
            Gen0Bytes = generations.Length > 0 ? generations[0].SizeAfterBytes : 0,
            Gen1Bytes = generations.Length > 1 ? generations[1].SizeAfterBytes : 0,
            Gen2Bytes = generations.Length > 2 ? generations[2].SizeAfterBytes : 0,
            LargeObjectHeapBytes = generations.Length > 3 ? generations[3].SizeAfterBytes : 0,
            PinnedObjectHeapBytes = generations.Length > 4 ? generations[4].SizeAfterBytes : 0,
            HeapSizeBytes = info.HeapSizeBytes,
            FragmentedBytes = info.FragmentedBytes,
            CommittedBytes = info.TotalCommittedBytes,
            ManagedBytes = reading.ManagedHeapBytes,
            WorkingSetBytes = reading.WorkingSetBytes,
            TotalAvailableBytes = reading.TotalAvailableBytes,
            ContainerLimitBytes = reading.ContainerLimitBytes,
            TotalAllocatedBytes = allocated,
            AllocationRateBytesPerSecond = rate,
            Gen0Collections = GC.CollectionCount(0),
            Gen1Collections = GC.CollectionCount(1),
            Gen2Collections = GC.CollectionCount(2),
            PauseTimePercentage = info.PauseTimePercentage,
            TotalPauseDuration = GC.GetTotalPauseDuration(),
        };
    }

    /// <summary>A multi-line, human-readable summary in MiB.</summary>
    /// <returns>The summary.</returns>
    public override string ToString()
    {
        static string Mib(long bytes) => Units.MiB(bytes, decimals: 1) + " MiB";
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"working set {Mib(WorkingSetBytes)}, managed {Mib(ManagedBytes)}, committed {Mib(CommittedBytes)}, fragmented {Mib(FragmentedBytes)}").AppendLine()
            .Append(CultureInfo.InvariantCulture, $"gen0 {Mib(Gen0Bytes)}, gen1 {Mib(Gen1Bytes)}, gen2 {Mib(Gen2Bytes)}, LOH {Mib(LargeObjectHeapBytes)}, POH {Mib(PinnedObjectHeapBytes)}").AppendLine()
            .Append(CultureInfo.InvariantCulture, $"GCs {Gen0Collections}/{Gen1Collections}/{Gen2Collections}, pause {PauseTimePercentage:N2}% ({TotalPauseDuration.TotalMilliseconds:N0} ms)");
        if (AllocationRateBytesPerSecond is { } rate)
        {
            text.Append(CultureInfo.InvariantCulture, $", allocating {Mib((long)rate)}/s");
        }

        if (ContainerLimitBytes is { } limit)
        {
            text.Append(CultureInfo.InvariantCulture, $", container limit {Mib(limit)}");
        }

        return text.ToString();
    }
}
