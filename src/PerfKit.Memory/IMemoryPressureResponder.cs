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
