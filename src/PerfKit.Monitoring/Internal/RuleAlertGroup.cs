using PerfKit.Monitoring.Alerting;

namespace PerfKit.Monitoring.Internal;

/// <summary>The state of one alert of a rule: its labels, lifecycle, window accumulator and the memory its kind needs.</summary>
internal sealed class RuleAlertGroup
{
    public RuleAlertGroup(AlertRuleOptions rule, IReadOnlyDictionary<string, string> labels)
    {
        Labels = labels;
        Fingerprint = Notifications.AlertNotification.ComputeFingerprint(labels);
        Instance = new AlertInstance(rule);
    }

    public IReadOnlyDictionary<string, string> Labels { get; }

    public string Fingerprint { get; }

    public AlertInstance Instance { get; }

    public WindowAccumulator Accumulator { get; } = new();

    /// <summary>Whether a series of this group was seen at the last refresh (groups whose series are gone stay, quietly).</summary>
    public bool HasMembers { get; set; }

    public double Value { get; set; } = double.NaN;

    // Anomaly: exponentially weighted mean and variance, and the band of the last evaluation.
    public long Observations { get; set; }

    public double Mean { get; set; }

    public double Variance { get; set; }

    public double BandLow { get; set; } = double.NaN;

    public double BandHigh { get; set; } = double.NaN;

    // Trend: the samples (hours since start, value) taken when the value changed, a ring.
    public DateTimeOffset? TrendOrigin { get; set; }

    public double[]? TrendX { get; set; }

    public double[]? TrendY { get; set; }

    public int TrendCount { get; set; }

    public int TrendNext { get; set; }

    public double TrendLastValue { get; set; } = double.NaN;

    public double SlopePerHour { get; set; } = double.NaN;

    public double Limit { get; set; } = double.NaN;

    // Burn rate: per-interval totals and bad counts, a ring; the burn rates of the last evaluation, per window pair.
    public long[]? BurnTotal { get; set; }

    public long[]? BurnBad { get; set; }

    public int BurnNext { get; set; }

    public int BurnFilled { get; set; }

    public double[]? BurnLong { get; set; }

    public double[]? BurnShort { get; set; }
}
