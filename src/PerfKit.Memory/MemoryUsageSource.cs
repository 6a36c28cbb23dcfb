namespace PerfKit.Memory;

/// <summary>Which measurement of the process counts against the budget.</summary>
public enum MemoryUsageSource
{
    /// <summary>The process working set (resident memory): what a container's OOM killer sees. The default.</summary>
    WorkingSet = 0,

    /// <summary>The managed heap (<see cref="GC.GetTotalMemory(bool)"/>): only what the GC holds.</summary>
    ManagedHeap = 1,

    /// <summary>The container's own usage (cgroup <c>memory.current</c>); falls back to the working set where no cgroup is readable.</summary>
    Container = 2,
}
