namespace PerfKit.Monitoring.Alerting;

/// <summary>What an alert rule tests.</summary>
public enum AlertRuleKind
{
    /// <summary>The aggregated value over the window against <see cref="AlertRuleOptions.Threshold"/>.</summary>
    Threshold = 0,

    /// <summary>
    /// The aggregated value against its own smoothed history: the alert fires when the value is more than
    /// <see cref="AlertRuleOptions.Threshold"/> standard deviations from an exponentially weighted mean, in the
    /// direction of <see cref="AlertRuleOptions.Comparison"/>.
    /// </summary>
    Anomaly = 1,

    /// <summary>
    /// The robust (Theil–Sen) slope of a value sampled each time it changes — by default the heap size after each GC —
    /// against <see cref="AlertRuleOptions.Threshold"/> in units per hour: a suspected leak, with the time until
    /// <see cref="AlertRuleOptions.Limit"/> (or PerfKit.Memory's budget) is reached. The alert's value is the slope per hour.
    /// </summary>
    Trend = 2,

    /// <summary>
    /// A multiwindow SLO burn rate on a latency histogram: the share of measurements above
    /// <see cref="AlertRuleOptions.LatencyThreshold"/>, divided by the error budget (1 − <see cref="AlertRuleOptions.Objective"/>),
    /// over each pair of <see cref="AlertRuleOptions.BurnRateWindows"/>; fires when both windows of a pair burn faster than its factor.
    /// The alert's value is the largest, over the pairs, of the slower window's burn rate divided by the pair's factor (above 1: burning).
    /// </summary>
    BurnRate = 3,
}
