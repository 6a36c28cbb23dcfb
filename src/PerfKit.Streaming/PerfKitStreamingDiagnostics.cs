namespace PerfKit.Streaming;

/// <summary>
/// The names under which PerfKit.Streaming publishes its telemetry, for use with OpenTelemetry's
/// <c>AddMeter</c>/<c>AddSource</c> or a <see cref="System.Diagnostics.Metrics.MeterListener"/>.
/// </summary>
public static partial class PerfKitStreamingDiagnostics
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> that PerfKit.Streaming creates: the package id.</summary>
    public const string MeterName = "PerfKit.Streaming";

    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> that PerfKit.Streaming creates: the package id.</summary>
    public const string ActivitySourceName = "PerfKit.Streaming";

    /// <summary>The names of the instruments PerfKit.Streaming publishes (lower-case, dotted, <c>perfkit.streaming.*</c>).</summary>
    public static partial class Instruments
    {
    }

    /// <summary>The names of the tags on PerfKit.Streaming's instruments.</summary>
    public static partial class Tags
    {
    }
}
