namespace PerfKit.Monitoring.Alerting;

/// <summary>How a rule reduces the measurements of its window to one value.</summary>
/// <remarks>
/// Histograms (durations, sizes) support every aggregation but <see cref="Last"/>; their sum, average, minimum and
/// maximum come from the buckets (within the histogram's relative error). Counters support <see cref="Sum"/>,
/// <see cref="Rate"/> (per second), <see cref="Count"/>, <see cref="Average"/> and <see cref="Last"/> (the last
/// interval's sum). Gauges and observable instruments support <see cref="Last"/>, <see cref="Average"/>,
/// <see cref="Min"/>, <see cref="Max"/>, <see cref="Sum"/>, <see cref="Count"/> and <see cref="Rate"/> (change per
/// second; for observable counters, the increase per second). An aggregation an instrument does not support gives no
/// value, so the rule neither fires nor resolves.
/// </remarks>
public enum AlertAggregation
{
    /// <summary>The mean of the measurements.</summary>
    Average = 0,

    /// <summary>The smallest measurement.</summary>
    Min = 1,

    /// <summary>The largest measurement.</summary>
    Max = 2,

    /// <summary>The sum of the measurements.</summary>
    Sum = 3,

    /// <summary>Per second: measurements of a histogram, increase of a counter, change of a gauge.</summary>
    Rate = 4,

    /// <summary>The number of measurements.</summary>
    Count = 5,

    /// <summary>The latest value.</summary>
    Last = 6,

    /// <summary>The median.</summary>
    P50 = 7,

    /// <summary>The 90th percentile.</summary>
    P90 = 8,

    /// <summary>The 95th percentile.</summary>
    P95 = 9,

    /// <summary>The 99th percentile.</summary>
    P99 = 10,

    /// <summary>The 99.9th percentile.</summary>
    P999 = 11,
}
