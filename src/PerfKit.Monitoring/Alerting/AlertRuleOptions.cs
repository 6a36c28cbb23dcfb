namespace PerfKit.Monitoring.Alerting;

/// <summary>
/// One alert rule: which metric, which series (<see cref="Tags"/>), how the window is reduced to a value, and when the
/// value fires and resolves. Bound from configuration as an element of <c>Rules</c>.
/// </summary>
public sealed class AlertRuleOptions
{
    /// <summary>Default of <see cref="Window"/>: 1 minute.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(1);

    /// <summary>Default of <see cref="FlapWindow"/>: 10 minutes.</summary>
    public static readonly TimeSpan DefaultFlapWindow = TimeSpan.FromMinutes(10);

    /// <summary>Default of <see cref="FlapThreshold"/>: 6 transitions (three firing episodes) in <see cref="FlapWindow"/>.</summary>
    public const int DefaultFlapThreshold = 6;

    /// <summary>Default of <see cref="Smoothing"/> of anomaly rules.</summary>
    public const double DefaultSmoothing = 0.1;

    /// <summary>Default of <see cref="TrendSamples"/>.</summary>
    public const int DefaultTrendSamples = 30;

    /// <summary>The rule's name: unique, the <c>alertname</c> label of its alerts.</summary>
    public string Name { get; set; } = "";

    /// <summary>What the rule tests. Default <see cref="AlertRuleKind.Threshold"/>.</summary>
    public AlertRuleKind Kind { get; set; } = AlertRuleKind.Threshold;

    /// <summary>
    /// The instrument's name, for example <c>http.server.request.duration</c>. For a trend rule, default
    /// <c>dotnet.gc.last_collection.heap.size</c> (the heap after the last GC, summed over generations).
    /// </summary>
    public string? Metric { get; set; }

    /// <summary>
    /// The meter that publishes <see cref="Metric"/>. Optional for the runtime's, ASP.NET Core's, HttpClient's and
    /// PerfKit's instruments, required for your own; must be selected by <see cref="MonitoringOptions.Meters"/>.
    /// </summary>
    public string? Meter { get; set; }

    /// <summary>Only series whose tags have these values (for example <c>http.route</c> = <c>/orders/{id}</c>).</summary>
    public IDictionary<string, string> Tags { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// How matching series are grouped into alerts. <see langword="null"/> (the default): one alert per series. Empty:
    /// all matching series form one alert (for example CPU time over both <c>cpu.mode</c> values). Otherwise one alert
    /// per distinct value set of these tags. Blank names are ignored, so <c>[""]</c> in configuration (where an empty
    /// list cannot be written) also means one alert. Trend rules default to one alert (the heap over all generations).
    /// </summary>
    public IList<string>? GroupBy { get; set; }

    /// <summary>How the window is reduced to one value. Default <see cref="AlertAggregation.Average"/>.</summary>
    public AlertAggregation Aggregation { get; set; } = AlertAggregation.Average;

    /// <summary>The window: a whole number of <see cref="MonitoringOptions.Interval"/>s, at most <see cref="MonitoringOptions.MaxWindow"/>. Default 1 minute.</summary>
    public TimeSpan Window { get; set; } = DefaultWindow;

    /// <summary>The direction of a breach. Default <see cref="AlertComparison.GreaterThan"/>.</summary>
    public AlertComparison Comparison { get; set; } = AlertComparison.GreaterThan;

    /// <summary>
    /// The threshold: a value (threshold rules), a number of standard deviations (anomaly rules, default 3 when 0), or
    /// growth per hour (trend rules). A finite number.
    /// </summary>
    public double Threshold { get; set; }

    /// <summary>
    /// The value a firing alert must get back past before it resolves (hysteresis); on the good side of
    /// <see cref="Threshold"/>. Default: the threshold itself. Threshold rules only.
    /// </summary>
    public double? ClearThreshold { get; set; }

    /// <summary>How long the condition must hold (pending) before the alert fires. Default 0: fire at once.</summary>
    public TimeSpan For { get; set; }

    /// <summary>How many evaluations in a row must breach before the alert fires. Default 1.</summary>
    public int BreachesInARow { get; set; } = 1;

    /// <summary>
    /// The fewest measurements in the window for the value to count; with fewer the window is "no data", which never
    /// breaches: it cannot start an alert and it resolves a firing one (after <see cref="KeepFiringFor"/>). An empty
    /// window of a <c>Sum</c>, <c>Count</c> or <c>Rate</c> rule is the value 0 instead. Default 1.
    /// </summary>
    public long MinSamples { get; set; } = 1;

    /// <summary>How long a firing alert keeps firing after its condition clears. Default 0.</summary>
    public TimeSpan KeepFiringFor { get; set; }

    /// <summary>
    /// Flap detection: when an alert changes state (fires or resolves) more than <see cref="FlapThreshold"/> times in
    /// <see cref="FlapWindow"/>, it is marked flapping and its notifications are held back until it calms down
    /// (half as many changes); then its current state is published once. 0 turns flap detection off. Default 6.
    /// </summary>
    public int FlapThreshold { get; set; } = DefaultFlapThreshold;

    /// <summary>The window of flap detection. Default 10 minutes.</summary>
    public TimeSpan FlapWindow { get; set; } = DefaultFlapWindow;

    /// <summary>The alerts' severity. Default <see cref="AlertSeverity.Warning"/>.</summary>
    public AlertSeverity Severity { get; set; } = AlertSeverity.Warning;

    /// <summary>Labels added to the rule's alerts (for routing); they take part in the fingerprint.</summary>
    public IDictionary<string, string> Labels { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The <c>summary</c> annotation of the alerts; default a sentence built from the rule.</summary>
    public string? Summary { get; set; }

    /// <summary>Anomaly rules: the weight of a new value in the smoothed mean and variance, in (0, 1]. Default 0.1.</summary>
    public double Smoothing { get; set; } = DefaultSmoothing;

    /// <summary>Trend rules: how many samples (values after a GC) the slope is computed from, 5 to 500. Default 30.</summary>
    public int TrendSamples { get; set; } = DefaultTrendSamples;

    /// <summary>
    /// Trend rules: the limit the value is projected to reach (bytes for the heap). Default: PerfKit.Memory's budget
    /// (<c>perfkit.memory.budget</c>) when that package is in use; without either, the alert gives no time to the limit.
    /// </summary>
    public double? Limit { get; set; }

    /// <summary>Burn-rate rules: the latency objective in the histogram's unit (seconds for request durations); measurements above it are bad.</summary>
    public double LatencyThreshold { get; set; }

    /// <summary>Burn-rate rules: the share of good measurements promised, in (0, 1), for example 0.999.</summary>
    public double Objective { get; set; }

    /// <summary>Burn-rate rules: the window pairs; default 1 h / 5 min at 14.4 and 6 h / 30 min at 6.</summary>
    public IList<BurnRateWindow> BurnRateWindows { get; set; } = [];
}
