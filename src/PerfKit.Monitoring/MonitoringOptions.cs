using PerfKit.Monitoring.Alerting;
using PerfKit.Monitoring.Health;

namespace PerfKit.Monitoring;

/// <summary>
/// Options of the <see cref="MetricsMonitor"/>: which meters it listens to, how long it keeps history, how many series
/// an instrument may have, and the alert rules it evaluates.
/// </summary>
public sealed class MonitoringOptions
{
    /// <summary>The meters listened to by default: the runtime's, ASP.NET Core's hosting meter, HttpClient's and every PerfKit meter.</summary>
    public static readonly IReadOnlyList<string> DefaultMeters = ["System.Runtime", "Microsoft.AspNetCore.Hosting", "System.Net.Http", "PerfKit.*"];

    /// <summary>Default of <see cref="Interval"/>: 10 seconds.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(10);

    /// <summary>Default of <see cref="MaxWindow"/>: 5 minutes.</summary>
    public static readonly TimeSpan DefaultMaxWindow = TimeSpan.FromMinutes(5);

    /// <summary>Default of <see cref="SnapshotWindow"/>: 1 minute.</summary>
    public static readonly TimeSpan DefaultSnapshotWindow = TimeSpan.FromMinutes(1);

    /// <summary>Default of <see cref="MaxSeriesPerInstrument"/>.</summary>
    public const int DefaultMaxSeriesPerInstrument = 100;

    /// <summary>Default of <see cref="AlertHistoryCapacity"/>.</summary>
    public const int DefaultAlertHistoryCapacity = 100;

    /// <summary>The smallest <see cref="Interval"/>: 100 milliseconds.</summary>
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The largest number of intervals in <see cref="MaxWindow"/> (the ring of each series).</summary>
    public const int MaximumSlots = 720;

    /// <summary>
    /// The meters to listen to: exact names, or a prefix followed by <c>*</c> (<c>PerfKit.*</c>). Starts with
    /// <see cref="DefaultMeters"/>; add the name of your own meter. Configuration binding adds to the list.
    /// </summary>
    public IList<string> Meters { get; set; } = [.. DefaultMeters];

    /// <summary>
    /// For each instrument name, the tags that identify its series; tags not listed are ignored, which keeps the
    /// number of series low. An instrument not listed here is split by all its tags (up to
    /// <see cref="MaxSeriesPerInstrument"/>). By default <c>http.server.request.duration</c> is split by
    /// <c>http.route</c> and <c>http.request.method</c>, and <c>http.client.request.duration</c> by
    /// <c>server.address</c> and <c>http.request.method</c>.
    /// </summary>
    public IDictionary<string, IList<string>> SeriesTags { get; set; } = new Dictionary<string, IList<string>>(StringComparer.Ordinal)
    {
        ["http.server.request.duration"] = ["http.route", "http.request.method"],
        ["http.client.request.duration"] = ["server.address", "http.request.method"],
    };

    /// <summary>
    /// The collection interval and the evaluation tick: measurements are summed per interval, observable instruments
    /// are read, and rules and health checks are evaluated once per interval. At least 100 ms. Default 10 seconds.
    /// </summary>
    public TimeSpan Interval { get; set; } = DefaultInterval;

    /// <summary>
    /// How much history each series keeps, and so the longest rule window (burn-rate rules keep their own, longer
    /// history). A whole number of <see cref="Interval"/>s, at most <see cref="MaximumSlots"/> of them. Default 5 minutes.
    /// </summary>
    public TimeSpan MaxWindow { get; set; } = DefaultMaxWindow;

    /// <summary>The window of the values in <see cref="MetricsMonitor.GetSnapshot"/>. At most <see cref="MaxWindow"/>. Default 1 minute.</summary>
    public TimeSpan SnapshotWindow { get; set; } = DefaultSnapshotWindow;

    /// <summary>
    /// The most series one instrument may have; measurements with a new tag set beyond it go to the instrument's
    /// overflow series (tagged <c>otel.metric.overflow=true</c>) and are counted. From 1 to 10,000. Default 100.
    /// </summary>
    public int MaxSeriesPerInstrument { get; set; } = DefaultMaxSeriesPerInstrument;

    /// <summary>How many alert transitions <see cref="MetricsMonitor.GetSnapshot"/> keeps (a ring). From 1 to 100,000. Default 100.</summary>
    public int AlertHistoryCapacity { get; set; } = DefaultAlertHistoryCapacity;

    /// <summary>The alert rules, each with a unique <see cref="AlertRuleOptions.Name"/>.</summary>
    public IList<AlertRuleOptions> Rules { get; set; } = [];

    /// <summary>The settings of the health checks.</summary>
    public MonitoringHealthOptions HealthChecks { get; set; } = new();
}
