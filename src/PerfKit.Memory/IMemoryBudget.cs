namespace PerfKit.Memory;

/// <summary>
/// The process's memory budget: the current pressure level, the pressure signal (subscribe as an
/// <see cref="IObservable{T}"/> or with <see cref="MemoryBudgetExtensions.OnPressureChanged"/>), the registry of
/// responders, and reclaim-to-target.
/// </summary>
/// <remarks>
/// Observers are called on the thread that took the sample (a timer or thread-pool thread), one change at a time,
/// in order. Keep them quick and non-blocking; an observer that throws is logged and does not stop the others.
/// </remarks>
public interface IMemoryBudget : IObservable<MemoryPressureChange>
{
    /// <summary>The budget in bytes, as resolved at the last sample.</summary>
    long BudgetBytes { get; }

    /// <summary>Usage at the last sample, by <see cref="MemoryBudgetOptions.UsageSource"/>.</summary>
    long UsageBytes { get; }

    /// <summary>The pressure level at the last sample.</summary>
    MemoryPressureLevel Level { get; }

    /// <summary>The full reading of the last sample.</summary>
    MemoryReading LastReading { get; }

    /// <summary>
    /// Samples now, updates the level, publishes a change if there is one, and returns the level. It only reads:
    /// it never starts a reclaim, whatever the level. Automatic reclaim is the monitor's (see
    /// <see cref="MemoryBudget.Start"/>); to shed memory from a caller, call <see cref="ReclaimAsync(CancellationToken)"/>.
    /// </summary>
    /// <returns>The level after the sample.</returns>
    MemoryPressureLevel Sample();

    /// <summary>Adds a responder for as long as the returned handle is not disposed.</summary>
    /// <param name="responder">The responder.</param>
    /// <returns>A handle that removes the responder when disposed.</returns>
    IDisposable Register(IMemoryPressureResponder responder);

    /// <summary>Reclaims to <see cref="MemoryBudgetOptions.ReclaimTargetFraction"/> of the budget.</summary>
    /// <param name="cancellationToken">Stops the reclaim between steps.</param>
    /// <returns>What each step freed.</returns>
    ValueTask<ReclaimReport> ReclaimAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The emergency optimise: a full collection, then responders in priority order until usage is at or under
    /// <paramref name="targetBytes"/>, then a compacting collection as a last resort. One reclaim runs at a time.
    /// </summary>
    /// <param name="targetBytes">The usage to reach, in bytes; must be positive.</param>
    /// <param name="cancellationToken">Stops the reclaim between steps.</param>
    /// <returns>What each step freed and how long it took.</returns>
    ValueTask<ReclaimReport> ReclaimAsync(long targetBytes, CancellationToken cancellationToken = default);
}
