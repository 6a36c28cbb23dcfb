namespace PerfKit.Memory;

/// <summary>
/// The names under which PerfKit.Memory publishes its telemetry, for use with OpenTelemetry's
/// <c>AddMeter</c> or a <see cref="System.Diagnostics.Metrics.MeterListener"/>.
/// </summary>
public static class PerfKitMemoryDiagnostics
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> that PerfKit.Memory creates: the package id.</summary>
    public const string MeterName = "PerfKit.Memory";
}
