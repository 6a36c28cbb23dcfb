namespace PerfKit.Testing;

/// <summary>
/// The load generator's clock: how long since the run started, and a way to wait until a moment of the schedule.
/// <see cref="From(TimeProvider)"/> is the real one; <see cref="VirtualLoadClock"/> makes runs deterministic and
/// instantaneous for tests of the generator itself (and of code that simulates its work in virtual time).
/// </summary>
public abstract class LoadClock
{
    /// <summary>Time since the clock started.</summary>
    public abstract TimeSpan Elapsed { get; }

    /// <summary>A clock on <see cref="TimeProvider.System"/>.</summary>
    /// <returns>A new clock, started now.</returns>
    public static LoadClock System() => From(TimeProvider.System);

    /// <summary>A clock on any <see cref="TimeProvider"/>, started now.</summary>
    /// <param name="timeProvider">The time source.</param>
    /// <returns>A new clock.</returns>
    public static LoadClock From(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        return new TimeProviderClock(timeProvider);
    }

    /// <summary>Completes when <see cref="Elapsed"/> reaches <paramref name="elapsed"/> (at once if it has).</summary>
    /// <param name="elapsed">The moment, as time since the start.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A task that completes at that moment.</returns>
    public abstract ValueTask WaitUntilAsync(TimeSpan elapsed, CancellationToken cancellationToken);

    /// <summary>Whether busy-waiting on <see cref="Elapsed"/> ends by itself (true only for the system clock, which moves on its own).</summary>
    internal virtual bool MovesByItself => false;

    private sealed class TimeProviderClock(TimeProvider timeProvider) : LoadClock
    {
        private readonly long _start = timeProvider.GetTimestamp();

        public override TimeSpan Elapsed => timeProvider.GetElapsedTime(_start);

        internal override bool MovesByItself => ReferenceEquals(timeProvider, TimeProvider.System);

        public override ValueTask WaitUntilAsync(TimeSpan elapsed, CancellationToken cancellationToken) =>
            elapsed <= Elapsed ? ValueTask.CompletedTask : WaitAsync(elapsed, cancellationToken);

        // The system timer counts whole milliseconds and truncates: Task.Delay(0.6 ms) completes at once, and a timer
        // can fire a little before the high-resolution clock reaches its moment. Round up and check the clock again,
        // so an iteration never starts before its intended time (which would understate corrected latency).
        private async ValueTask WaitAsync(TimeSpan elapsed, CancellationToken cancellationToken)
        {
            for (var wait = elapsed - Elapsed; wait > TimeSpan.Zero; wait = elapsed - Elapsed)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds)), timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
