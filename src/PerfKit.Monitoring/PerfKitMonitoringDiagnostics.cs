namespace PerfKit.Monitoring;

/// <summary>
/// The names under which PerfKit.Monitoring publishes its telemetry, for use with OpenTelemetry's
/// <c>AddMeter</c>/<c>AddSource</c> or a <see cref="System.Diagnostics.Metrics.MeterListener"/>.
/// </summary>
public static class PerfKitMonitoringDiagnostics
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> that PerfKit.Monitoring creates: the package id.</summary>
    public const string MeterName = "PerfKit.Monitoring";

    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> that PerfKit.Monitoring creates: the package id.</summary>
    public const string ActivitySourceName = "PerfKit.Monitoring";
}
