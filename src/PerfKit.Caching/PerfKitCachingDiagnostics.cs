namespace PerfKit.Caching;

/// <summary>
/// The names under which PerfKit.Caching publishes its telemetry, for use with OpenTelemetry's
/// <c>AddMeter</c>/<c>AddSource</c> or a <see cref="System.Diagnostics.Metrics.MeterListener"/>.
/// </summary>
public static class PerfKitCachingDiagnostics
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> that PerfKit.Caching creates: the package id.</summary>
    public const string MeterName = "PerfKit.Caching";

    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> that PerfKit.Caching creates: the package id.</summary>
    public const string ActivitySourceName = "PerfKit.Caching";
}
