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
