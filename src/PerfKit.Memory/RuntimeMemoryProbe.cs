using PerfKit.Memory.Internal;

namespace PerfKit.Memory;

/// <summary>
/// The real <see cref="IMemoryProbe"/>: the managed heap from the GC, the working set from the OS, and the
/// container limit and usage from cgroup v2 or v1 where the process runs in one. A platform without cgroups,
/// or with unreadable files, yields <see langword="null"/> container values and never throws.
/// </summary>
public sealed class RuntimeMemoryProbe : IMemoryProbe
{
    private readonly CgroupMemory _cgroup = new();

    /// <summary>A shared instance; the probe holds no per-caller state.</summary>
    public static RuntimeMemoryProbe Instance { get; } = new();

    /// <inheritdoc />
    public MemoryReading Read()
    {
        var gcInfo = GC.GetGCMemoryInfo();
        return new MemoryReading(
            managedHeapBytes: GC.GetTotalMemory(forceFullCollection: false),
            workingSetBytes: Environment.WorkingSet,
            totalAvailableBytes: gcInfo.TotalAvailableMemoryBytes,
            containerLimitBytes: _cgroup.ReadLimit(),
            containerUsageBytes: _cgroup.ReadUsage());
    }
}
