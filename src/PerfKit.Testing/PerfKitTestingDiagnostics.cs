namespace PerfKit.Testing;

/// <summary>
/// The names under which PerfKit.Testing publishes its telemetry, for use with OpenTelemetry's
/// <c>AddMeter</c>/<c>AddSource</c> or a <see cref="System.Diagnostics.Metrics.MeterListener"/>.
/// </summary>
public static class PerfKitTestingDiagnostics
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> that PerfKit.Testing creates: the package id.</summary>
    public const string MeterName = "PerfKit.Testing";

    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> that PerfKit.Testing creates: the package id.</summary>
    public const string ActivitySourceName = "PerfKit.Testing";
}
