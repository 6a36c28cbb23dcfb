namespace PerfKit.Monitoring;

/// <summary>
/// The values of one series over <see cref="MonitoringOptions.SnapshotWindow"/>. A value an instrument does not have
/// is <see langword="null"/> (percentiles of a counter, the last value of a histogram).
/// </summary>
public sealed class SeriesSnapshot
{
    /// <summary>The meter's name.</summary>
    public required string Meter { get; init; }

    /// <summary>The instrument's name.</summary>
    public required string Instrument { get; init; }

    /// <summary>The instrument's unit, if any.</summary>
    public string? Unit { get; init; }

    /// <summary><c>histogram</c>, <c>sum</c> (counters) or <c>gauge</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>The series' tags (the key tags of the instrument).</summary>
    public required IReadOnlyDictionary<string, string> Tags { get; init; }

    /// <summary>Measurements in the window.</summary>
    public long Count { get; init; }

    /// <summary>Per second: measurements of a histogram, increase of a counter, change of a gauge.</summary>
    public double? Rate { get; init; }

    /// <summary>The sum of the measurements (a histogram's within its relative error).</summary>
    public double? Sum { get; init; }

    /// <summary>The mean.</summary>
    public double? Average { get; init; }

    /// <summary>The smallest measurement.</summary>
    public double? Min { get; init; }

    /// <summary>The largest measurement.</summary>
    public double? Max { get; init; }

    /// <summary>The latest value (a counter's total since the monitor started).</summary>
    public double? Last { get; init; }

    /// <summary>The median of a histogram.</summary>
    public double? P50 { get; init; }

    /// <summary>The 90th percentile of a histogram.</summary>
    public double? P90 { get; init; }

    /// <summary>The 95th percentile of a histogram.</summary>
    public double? P95 { get; init; }

    /// <summary>The 99th percentile of a histogram.</summary>
    public double? P99 { get; init; }

    /// <summary>The 99.9th percentile of a histogram.</summary>
    public double? P999 { get; init; }
}
