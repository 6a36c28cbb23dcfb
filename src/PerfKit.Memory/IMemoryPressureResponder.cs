namespace PerfKit.Memory;

/// <summary>
/// A component that can give memory back when asked: a cache, a pool, a lazy resource. Register it with
/// <see cref="IMemoryBudget.Register(IMemoryPressureResponder)"/> or in DI as <see cref="IMemoryPressureResponder"/>.
/// Reclaim calls responders one at a time, lowest <see cref="Priority"/> first, until usage is under the target.
/// </summary>
public interface IMemoryPressureResponder
{
    /// <summary>A short name used in reclaim reports, logs and metrics.</summary>
    string Name { get; }

    /// <summary>Lower runs first. Put what is cheapest to rebuild first; see <see cref="MemoryResponderPriority"/>.</summary>
    int Priority { get; }

    /// <summary>Sheds memory. Must honour <paramref name="cancellationToken"/>; reclaim stops waiting after the responder timeout anyway.</summary>
    /// <param name="context">How much to free and how urgent it is.</param>
    /// <param name="cancellationToken">Cancelled when the responder timeout passes or the reclaim is cancelled.</param>
    /// <returns>An estimate of the bytes released (reclaim measures the real effect itself).</returns>
    ValueTask<long> RespondAsync(MemoryPressureContext context, CancellationToken cancellationToken);
}

/// <summary>Conventional responder priorities: lower runs first.</summary>
public static class MemoryResponderPriority
{
    /// <summary>Pools: retained buffers are pure overhead and free to drop.</summary>
    public const int Pools = 100;

    /// <summary>Caches: entries can be fetched again.</summary>
    public const int Caches = 200;

    /// <summary>Lazy heavy resources: reloading costs time on the next use.</summary>
    public const int LazyResources = 300;

    /// <summary>Anything else, last.</summary>
    public const int Default = 1000;
}

/// <summary>What a responder is asked to do.</summary>
public sealed class MemoryPressureContext
{
    /// <summary>Creates a context.</summary>
    /// <param name="level">The pressure level at the time of the request.</param>
    /// <param name="usageBytes">Current usage.</param>
    /// <param name="targetBytes">The usage that reclaim is trying to reach.</param>
    public MemoryPressureContext(MemoryPressureLevel level, long usageBytes, long targetBytes)
    {
        Level = level;
        UsageBytes = usageBytes;
        TargetBytes = targetBytes;
    }

    /// <summary>The pressure level at the time of the request.</summary>
    public MemoryPressureLevel Level { get; }

    /// <summary>Current usage.</summary>
    public long UsageBytes { get; }

    /// <summary>The usage that reclaim is trying to reach.</summary>
    public long TargetBytes { get; }

    /// <summary>How many bytes are still to be freed (never negative).</summary>
    public long BytesToFree => Math.Max(0, UsageBytes - TargetBytes);
}

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
