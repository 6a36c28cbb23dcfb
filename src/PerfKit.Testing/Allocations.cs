using System.Runtime.CompilerServices;

namespace PerfKit.Testing;

/// <summary>
/// Exact allocation counts for code that runs on the calling thread, from the runtime's own per-thread counter
/// (<see cref="GC.GetAllocatedBytesForCurrentThread"/>): the same on every OS, with no profiler.
/// </summary>
/// <remarks>
/// The code runs a few times first, so JIT compilation, static constructors and one-time caches are not counted;
/// the measurement is repeated and the smallest figure taken, so a tiering or timer allocation that lands in one
/// repeat does not count either; and the measuring loop's own cost (zero bytes) is subtracted by calibration.
/// Work handed to other threads (thread-pool continuations) is not counted: measure those parts where they run.
/// </remarks>
public static class Allocations
{
    /// <summary>Default warm-up runs before measuring.</summary>
    public const int DefaultWarmups = 3;

    /// <summary>Default repeats of the measurement (the smallest is reported).</summary>
    public const int DefaultRepeats = 5;

    private static readonly long Calibration = MeasureRaw(static () => { }, 1, DefaultRepeats);

    /// <summary>Bytes allocated by one call of <paramref name="action"/> on this thread.</summary>
    /// <param name="action">The code to measure.</param>
    /// <param name="callsPerRepeat">Calls per measured repeat; the result is divided by it (rounded down).</param>
    /// <returns>Bytes per call.</returns>
    public static long PerCall(Action action, int callsPerRepeat = 1)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(callsPerRepeat);
        for (var i = 0; i < DefaultWarmups; i++)
        {
            action();
        }

        return Math.Max(0, (MeasureRaw(action, callsPerRepeat, DefaultRepeats) - Calibration) / callsPerRepeat);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long MeasureRaw(Action action, int calls, int repeats)
    {
        var best = long.MaxValue;
        for (var r = 0; r < repeats; r++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < calls; i++)
            {
                action();
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            best = Math.Min(best, allocated);
        }

        return best;
    }
}
