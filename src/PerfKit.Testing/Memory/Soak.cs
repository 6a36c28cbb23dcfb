using System.Globalization;
using FluentAssertions;
using FluentAssertions.Execution;
using PerfKit.Shared;

namespace PerfKit.Testing.Memory;

/// <summary>The live heap after each round of a soak, and its growth.</summary>
public sealed class SoakResult
{
    internal SoakResult(string name, IReadOnlyList<long> liveBytes, int warmUpRounds)
    {
        Name = name;
        LiveBytesAfterRound = liveBytes;
        WarmUpRounds = warmUpRounds;
        GrowthPerRoundBytes = TheilSenSlope(liveBytes);
    }

    /// <summary>The soak's name.</summary>
    public string Name { get; }

    /// <summary>The live managed heap (after full collections) after each measured round.</summary>
    public IReadOnlyList<long> LiveBytesAfterRound { get; }

    /// <summary>Rounds run before measuring (caches, pools and JIT fill up in them).</summary>
    public int WarmUpRounds { get; }

    /// <summary>
    /// The heap's growth per round, in bytes: the Theil–Sen slope (median of the pairwise slopes) of
    /// <see cref="LiveBytesAfterRound"/>, so one noisy round cannot fake or hide a leak.
    /// </summary>
    public double GrowthPerRoundBytes { get; }

    /// <summary>Live heap after the last measured round minus after the first.</summary>
    public long TotalGrowthBytes => LiveBytesAfterRound.Count == 0 ? 0 : LiveBytesAfterRound[^1] - LiveBytesAfterRound[0];

    /// <summary>A one-line summary.</summary>
    /// <returns>The summary.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"soak '{Name}': {LiveBytesAfterRound.Count} rounds after {WarmUpRounds} warm-up, live heap {Units.MiB(LiveBytesAfterRound[0])} → {Units.MiB(LiveBytesAfterRound[^1])} MiB, growth {GrowthPerRoundBytes / 1024:0.#} KiB a round");

    private static double TheilSenSlope(IReadOnlyList<long> values)
    {
        var slopes = new List<double>(values.Count * (values.Count - 1) / 2);
        for (var i = 0; i < values.Count; i++)
        {
            for (var j = i + 1; j < values.Count; j++)
            {
                slopes.Add((values[j] - values[i]) / (double)(j - i));
            }
        }

        if (slopes.Count == 0)
        {
            return 0;
        }

        slopes.Sort();
        var mid = slopes.Count / 2;
        return slopes.Count % 2 == 1 ? slopes[mid] : (slopes[mid - 1] + slopes[mid]) / 2;
    }
}

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

/// <summary>Assertions on a <see cref="SoakResult"/>.</summary>
public sealed class SoakResultAssertions
{
    internal SoakResultAssertions(SoakResult subject) => Subject = subject ?? throw new ArgumentNullException(nameof(subject));

    /// <summary>The soak.</summary>
    public SoakResult Subject { get; }

    /// <summary>Asserts the live heap grows by at most <paramref name="bytesPerRound"/> a round (the fitted slope).</summary>
    /// <param name="bytesPerRound">The most growth allowed per round.</param>
    /// <param name="because">Why, for the failure message.</param>
    /// <param name="becauseArgs">Arguments of <paramref name="because"/>.</param>
    /// <returns>The assertions, for chaining.</returns>
    public AndConstraint<SoakResultAssertions> NotGrowMoreThan(long bytesPerRound, string because = "", params object[] becauseArgs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytesPerRound);
        var rounds = string.Join(", ", Subject.LiveBytesAfterRound.Select(b => (b / 1024).ToString(CultureInfo.InvariantCulture)));
        Execute.Assertion.BecauseOf(because, becauseArgs).ForCondition(Subject.GrowthPerRoundBytes <= bytesPerRound)
            .FailWith(string.Create(CultureInfo.InvariantCulture, $"Expected the live heap of soak '{Subject.Name}' to grow at most {bytesPerRound:N0} bytes a round{{reason}}, but it grew {Subject.GrowthPerRoundBytes:N0} bytes a round (live KiB after each round: {rounds}): something keeps what each round made."));
        return new AndConstraint<SoakResultAssertions>(this);
    }
}
