namespace PerfKit.Testing;

/// <summary>
/// A clock that moves only when told: <see cref="Advance"/> models work taking time, and a wait jumps straight to
/// its moment. With it a run is deterministic and takes no real time, which is how the generator's own
/// measurement (coordinated-omission correction, scheduler lag) is tested.
/// </summary>
public sealed class VirtualLoadClock : LoadClock
{
    private long _ticks;

    /// <inheritdoc />
    public override TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    /// <summary>Moves the clock forward, as work that takes <paramref name="duration"/> would.</summary>
    /// <param name="duration">How far; not negative.</param>
    public void Advance(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        Interlocked.Add(ref _ticks, duration.Ticks);
    }

    /// <inheritdoc />
    public override ValueTask WaitUntilAsync(TimeSpan elapsed, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long current;
        do
        {
            current = Interlocked.Read(ref _ticks);
            if (elapsed.Ticks <= current)
            {
                break;
            }
        }
        while (Interlocked.CompareExchange(ref _ticks, elapsed.Ticks, current) != current);

        return ValueTask.CompletedTask;
    }
}
