using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using PerfKit.Monitoring;

namespace PerfKit.Benchmarks.Monitoring;

/// <summary>
/// One <c>Histogram&lt;double&gt;.Record</c> with one tag (a route), as ASP.NET Core records a request: with no
/// listener (the baseline), with a bare <see cref="MeterListener"/> that adds into a bucket array (no series lookup, no
/// windows), with PerfKit.Monitoring listening (series lookup by tag, log-linear bucket of the current interval,
/// percentiles over windows), and with the OpenTelemetry SDK listening (a MeterProvider with the meter added and a
/// periodic reader that exports once a minute to an exporter that does nothing: its default explicit-bucket
/// histogram, the SDK's fastest documented setup). Each member records into its own meter, so each listener sees only
/// its own instrument.
/// </summary>
[MemoryDiagnoser]
public class MonitoringRecordBenchmarks
{
    private static readonly KeyValuePair<string, object?> Route = new("http.route", "/orders/{id}");

    // The tags ASP.NET Core puts on a request's duration (the status code boxed anew per request, as the server does).
    private static readonly KeyValuePair<string, object?> Scheme = new("url.scheme", "http");
    private static readonly KeyValuePair<string, object?> Method = new("http.request.method", "GET");
    private static readonly KeyValuePair<string, object?> Protocol = new("network.protocol.version", "1.1");
    private readonly Meter _none = new("Bench.Monitoring.None");
    private readonly Meter _bare = new("Bench.Monitoring.Bare");
    private readonly Meter _perfKit = new("Bench.Monitoring.PerfKit");
    private readonly Meter _otel = new("Bench.Monitoring.OpenTelemetry");
    private readonly long[] _bareBuckets = new long[64];
    private Histogram<double> _noneHistogram = null!;
    private Histogram<double> _bareHistogram = null!;
    private Histogram<double> _perfKitHistogram = null!;
    private Histogram<double> _otelHistogram = null!;
    private MeterListener? _bareListener;
    private MetricsMonitor? _monitor;
    private MeterProvider? _provider;
    private readonly double _value = 0.0123;

    [GlobalSetup]
    public void Setup()
    {
        _noneHistogram = _none.CreateHistogram<double>("http.server.request.duration", "s");
        _bareHistogram = _bare.CreateHistogram<double>("http.server.request.duration", "s");
        _perfKitHistogram = _perfKit.CreateHistogram<double>("http.server.request.duration", "s");
        _otelHistogram = _otel.CreateHistogram<double>("http.server.request.duration", "s");

        _bareListener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter == _bare)
                {
                    listener.EnableMeasurementEvents(instrument, _bareBuckets);
                }
            },
        };
        _bareListener.SetMeasurementEventCallback<double>(static (_, value, _, state) =>
            Interlocked.Increment(ref ((long[])state!)[Math.Clamp((int)Math.Log2(value * 1e6), 0, 63)]));
        _bareListener.Start();

        // An interval of an hour: no evaluation tick runs during the measurement.
        // http.server.request.duration is split by http.route and http.request.method (the default SeriesTags).
        _monitor = new MetricsMonitor(new MonitoringOptions { Meters = [_perfKit.Name], Interval = TimeSpan.FromHours(1), MaxWindow = TimeSpan.FromHours(1), SnapshotWindow = TimeSpan.FromHours(1) });
        _monitor.Start();

        _provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(_otel.Name)
            .AddReader(new PeriodicExportingMetricReader(new NullExporter(), exportIntervalMilliseconds: 60_000))
            .Build();
    }

    [Benchmark(Baseline = true)]
    public void NoListener() => _noneHistogram.Record(_value, Route);

    [Benchmark]
    public void BareMeterListener() => _bareHistogram.Record(_value, Route);

    [Benchmark]
    public void PerfKitListener() => _perfKitHistogram.Record(_value, Route);

    [Benchmark]
    public void OpenTelemetrySdk() => _otelHistogram.Record(_value, Route);

    /// <summary>Not guarded: PerfKit with ASP.NET Core's five tags (two of them key tags).</summary>
    [Benchmark]
    public void PerfKitListenerAspNetTags() => _perfKitHistogram.Record(_value, Scheme, Method, new("http.response.status_code", 200), Route, Protocol);

    /// <summary>Not guarded: OpenTelemetry with ASP.NET Core's five tags.</summary>
    [Benchmark]
    public void OpenTelemetrySdkAspNetTags() => _otelHistogram.Record(_value, Scheme, Method, new("http.response.status_code", 200), Route, Protocol);

    [GlobalCleanup]
    public void Cleanup()
    {
        _provider?.Dispose();
        _monitor?.Dispose();
        _bareListener?.Dispose();
        _none.Dispose();
        _bare.Dispose();
        _perfKit.Dispose();
        _otel.Dispose();
    }

    private sealed class NullExporter : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch) => ExportResult.Success;
    }
}
