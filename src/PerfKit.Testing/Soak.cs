namespace PerfKit.Testing;

/// <summary>
/// Soak-mode leak check: runs the same work round after round, measures the live heap after each (full, compacting
/// collections), and fits its growth. Steady memory has a slope near zero whatever its level; a leak shows as
/// bytes per round. The heap is process-wide: run soaks with nothing else running.
/// </summary>
public static class Soak
{
    /// <summary>Runs the soak.</summary>
    /// <param name="name">Its name, for reports.</param>
    /// <param name="round">One round of work (a load run, a batch of requests…); receives the round number from 0.</param>
    /// <param name="rounds">Measured rounds; at least 3.</param>
    /// <param name="warmUpRounds">Rounds run first and not measured; not negative. Default 2.</param>
    /// <param name="cancellationToken">Stops the soak between rounds.</param>
    /// <returns>The live heap after each measured round and its growth.</returns>
    public static async Task<SoakResult> RunAsync(string name, Func<int, ValueTask> round, int rounds, int warmUpRounds = 2, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(round);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 3);
        ArgumentOutOfRangeException.ThrowIfNegative(warmUpRounds);
        var live = new List<long>(rounds);
        for (var i = 0; i < warmUpRounds + rounds; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await round(i).ConfigureAwait(false);
            if (i >= warmUpRounds)
            {
                live.Add(PeakMemory.LiveHeapBytes());
            }
        }

        return new SoakResult(name, live, warmUpRounds);
    }

    /// <summary>Starts assertions on a soak: <c>soak.Should().NotGrowMoreThan(16 * 1024)</c>.</summary>
    /// <param name="result">The soak.</param>
    /// <returns>The assertions.</returns>
    public static SoakResultAssertions Should(this SoakResult result) => new(result);
}
