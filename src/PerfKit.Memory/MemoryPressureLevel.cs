namespace PerfKit.Memory;

/// <summary>How close the process is to its memory budget. Levels are ordered: a higher value is more pressure.</summary>
public enum MemoryPressureLevel
{
    /// <summary>Usage is below <see cref="MemoryBudgetOptions.ElevatedThreshold"/> of the budget.</summary>
    Normal = 0,

    /// <summary>Usage passed <see cref="MemoryBudgetOptions.ElevatedThreshold"/>: stop growing caches, prefer cheap paths.</summary>
    Elevated = 1,

    /// <summary>Usage passed <see cref="MemoryBudgetOptions.HighThreshold"/>: responders are asked to shed memory.</summary>
    High = 2,

    /// <summary>Usage passed <see cref="MemoryBudgetOptions.CriticalThreshold"/>: shed everything that can be rebuilt.</summary>
    Critical = 3,
}

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
