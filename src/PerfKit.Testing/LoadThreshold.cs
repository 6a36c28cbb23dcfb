using System.Globalization;

namespace PerfKit.Testing;

/// <summary>
/// A threshold that aborts a run once broken (see <see cref="LoadModel.AbortWhen"/>): a latency percentile above a
/// limit, or an error rate above a limit. It is checked once per second of the run, on all measured iterations so
/// far, and only after <see cref="MinIterations"/> of them (so the first few calls cannot end a run).
/// </summary>
public sealed class LoadThreshold
{
    private readonly double _percentile;
    private readonly TimeSpan _latency;
    private readonly double _errorRate;

    private LoadThreshold(double percentile, TimeSpan latency, double errorRate, long minIterations)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minIterations);
        MinIterations = minIterations;
        _percentile = percentile;
        _latency = latency;
        _errorRate = errorRate;
    }

    /// <summary>Measured iterations needed before the threshold is checked.</summary>
    public long MinIterations { get; }

    /// <summary>Aborts when the latency percentile (from the intended start, in the open model) goes above <paramref name="limit"/>.</summary>
    /// <param name="percentile">The percentile, above 0 and at most 100.</param>
    /// <param name="limit">The latency limit; positive.</param>
    /// <param name="minIterations">Measured iterations needed before the threshold is checked; default 100.</param>
    /// <returns>The threshold.</returns>
    public static LoadThreshold PercentileAbove(double percentile, TimeSpan limit, long minIterations = 100)
    {
        if (!(percentile > 0 && percentile <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "LoadThreshold percentile must be above 0 and at most 100.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(limit, TimeSpan.Zero);
        return new LoadThreshold(percentile, limit, double.NaN, minIterations);
    }

    /// <summary>Aborts when the share of failed iterations goes above <paramref name="maximum"/>.</summary>
    /// <param name="maximum">The error rate, from 0 (any failure aborts) to below 1.</param>
    /// <param name="minIterations">Measured iterations needed before the threshold is checked; default 100.</param>
    /// <returns>The threshold.</returns>
    public static LoadThreshold ErrorRateAbove(double maximum, long minIterations = 100)
    {
        if (!(maximum >= 0 && maximum < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(maximum), maximum, "LoadThreshold error rate must be at least 0 and below 1.");
        }

        return new LoadThreshold(double.NaN, TimeSpan.Zero, maximum, minIterations);
    }

    /// <summary>The threshold, described (for example <c>p99 above 200 ms</c>).</summary>
    /// <returns>The description.</returns>
    public override string ToString() => double.IsNaN(_percentile)
        ? string.Create(CultureInfo.InvariantCulture, $"error rate above {_errorRate * 100:0.##}%")
        : string.Create(CultureInfo.InvariantCulture, $"p{_percentile} above {_latency.TotalMilliseconds:0.###} ms");

    internal bool NeedsLatency => !double.IsNaN(_percentile);

    /// <summary>Why the threshold is broken, or null.</summary>
    internal string? Broken(long iterations, long failures, LatencyHistogram? latency)
    {
        if (iterations < Math.Max(1, MinIterations))
        {
            return null;
        }

        if (!double.IsNaN(_errorRate))
        {
            var rate = failures / (double)iterations;
            return rate > _errorRate ? string.Create(CultureInfo.InvariantCulture, $"{this}: {rate * 100:0.##}% of {iterations:N0} iterations failed") : null;
        }

        var actual = latency!.Percentile(_percentile);
        return actual > _latency ? string.Create(CultureInfo.InvariantCulture, $"{this}: p{_percentile} was {actual.TotalMilliseconds:0.###} ms after {iterations:N0} iterations") : null;
    }
}
