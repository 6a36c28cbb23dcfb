using System.Globalization;
using PerfKit.Shared;

namespace PerfKit.Testing;

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
