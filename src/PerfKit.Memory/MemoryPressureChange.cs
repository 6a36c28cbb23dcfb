namespace PerfKit.Memory;

/// <summary>A change of pressure level, as published by <see cref="IMemoryBudget"/>.</summary>
public sealed class MemoryPressureChange
{
    /// <summary>Creates a change.</summary>
    /// <param name="previous">The level before.</param>
    /// <param name="current">The level now.</param>
    /// <param name="usageBytes">The usage that caused the change.</param>
    /// <param name="budgetBytes">The budget at the time.</param>
    /// <param name="timestamp">When the sample was taken, by the budget's <see cref="TimeProvider"/>.</param>
    public MemoryPressureChange(MemoryPressureLevel previous, MemoryPressureLevel current, long usageBytes, long budgetBytes, DateTimeOffset timestamp)
    {
        Previous = previous;
        Current = current;
        UsageBytes = usageBytes;
        BudgetBytes = budgetBytes;
        Timestamp = timestamp;
    }

    /// <summary>The level before.</summary>
    public MemoryPressureLevel Previous { get; }

    /// <summary>The level now.</summary>
    public MemoryPressureLevel Current { get; }

    /// <summary>The usage that caused the change.</summary>
    public long UsageBytes { get; }

    /// <summary>The budget at the time.</summary>
    public long BudgetBytes { get; }

    /// <summary>When the sample was taken.</summary>
    public DateTimeOffset Timestamp { get; }
}
