namespace PerfKit.Monitoring;

/// <summary>
/// The names under which PerfKit.Monitoring publishes its telemetry, for use with OpenTelemetry's
/// <c>AddMeter</c>/<c>AddSource</c> or a <see cref="System.Diagnostics.Metrics.MeterListener"/>.
/// </summary>
public static partial class PerfKitMonitoringDiagnostics
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> that PerfKit.Monitoring creates: the package id.</summary>
    public const string MeterName = "PerfKit.Monitoring";

    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> that PerfKit.Monitoring creates: the package id.</summary>
    public const string ActivitySourceName = "PerfKit.Monitoring";

    /// <summary>The names of the instruments PerfKit.Monitoring publishes (lower-case, dotted, <c>perfkit.monitoring.*</c>).</summary>
    public static partial class Instruments
    {
        /// <summary>Series the monitor keeps, overflow series included (observable gauge).</summary>
        public const string Series = "perfkit.monitoring.series";

        /// <summary>Measurements that went to an instrument's overflow series because it had reached its series cap (observable counter).</summary>
        public const string SeriesOverflow = "perfkit.monitoring.series.overflow";

        /// <summary>How long one evaluation tick took: observable instruments read, intervals closed, rules and health checks evaluated (histogram, seconds).</summary>
        public const string EvaluationDuration = "perfkit.monitoring.evaluation.duration";

        /// <summary>Alerts by state: pending, firing, flapping (observable gauge).</summary>
        public const string Alerts = "perfkit.monitoring.alerts";

        /// <summary>Alert sinks that threw when given a transition (counter).</summary>
        public const string SinkFailures = "perfkit.monitoring.sink.failures";
    }

    /// <summary>The names of the tags on PerfKit.Monitoring's instruments.</summary>
    public static partial class Tags
    {
        /// <summary>The state of alerts on <see cref="Instruments.Alerts"/>: <c>pending</c>, <c>firing</c>, <c>flapping</c>.</summary>
        public const string AlertState = "perfkit.monitoring.alert.state";
    }
}
