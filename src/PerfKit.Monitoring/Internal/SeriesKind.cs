namespace PerfKit.Monitoring.Internal;

internal enum SeriesKind
{
    /// <summary>Histogram: bucket counts per interval.</summary>
    Histogram,

    /// <summary>Counter or up-down counter (pushed increments), and observable counters (increments computed from the cumulative values).</summary>
    Sum,

    /// <summary>Gauge, observable gauge and observable up-down counter: values.</summary>
    Gauge,
}
