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
    }

    /// <summary>The names of the tags on PerfKit.Monitoring's instruments.</summary>
    public static partial class Tags
    {
    }
}
