namespace PerfKit.Monitoring.Health;

/// <summary>
/// Settings of PerfKit.Monitoring's health checks. They are computed on the monitor's tick (<see cref="MonitoringOptions.Interval"/>);
/// a probe reads the last result.
/// </summary>
public sealed class MonitoringHealthOptions
{
    /// <summary>Default of <see cref="MemoryDegradedFraction"/>.</summary>
    public const double DefaultMemoryDegradedFraction = 0.9;

    /// <summary>Default of <see cref="LatencyThreshold"/>: 0.5 (seconds).</summary>
    public const double DefaultLatencyThreshold = 0.5;

    /// <summary>The share of PerfKit.Memory's budget above which the memory check is degraded (above 1: unhealthy). Default 0.9.</summary>
    public double MemoryDegradedFraction { get; set; } = DefaultMemoryDegradedFraction;

    /// <summary>The latency histogram of the latency check. Default <c>http.server.request.duration</c>.</summary>
    public string LatencyMetric { get; set; } = "http.server.request.duration";

    /// <summary>The percentile of the latency check. Default <see cref="Alerting.AlertAggregation.P99"/>.</summary>
    public Alerting.AlertAggregation LatencyPercentile { get; set; } = Alerting.AlertAggregation.P99;

    /// <summary>The latency objective (in the histogram's unit, seconds by default): above it over <see cref="MonitoringOptions.SnapshotWindow"/>, the check is degraded. Default 0.5.</summary>
    public double LatencyThreshold { get; set; } = DefaultLatencyThreshold;
}
