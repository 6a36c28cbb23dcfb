using System.Diagnostics.Metrics;
using PerfKit.Shared;
using Instruments = PerfKit.Monitoring.PerfKitMonitoringDiagnostics.Instruments;
using Tags = PerfKit.Monitoring.PerfKitMonitoringDiagnostics.Tags;

namespace PerfKit.Monitoring.Internal;

/// <summary>The monitor's own instruments, one set per <see cref="Meter"/>; observable ones read a weak registry of live monitors.</summary>
internal sealed class MonitoringMetrics
{
    private readonly Lock _sync = new();
    private readonly List<WeakReference<MetricsMonitor>> _monitors = [];

    private MonitoringMetrics(Meter meter)
    {
        EvaluationDuration = meter.CreateHistogram<double>(Instruments.EvaluationDuration, "s", "How long one evaluation tick took.");
        SinkFailures = meter.CreateCounter<long>(Instruments.SinkFailures, "{failure}", "Alert sinks that threw when given a transition.");
        meter.CreateObservableGauge(Instruments.Series, () => Observe(static m => [new Measurement<long>(m.SeriesCount)]), "{series}", "Series the monitor keeps.");
        meter.CreateObservableCounter(Instruments.SeriesOverflow, () => Observe(static m => [new Measurement<long>(m.OverflowMeasurements)]), "{measurement}", "Measurements that went to an overflow series.");
        meter.CreateObservableGauge(
            Instruments.Alerts,
            () => Observe(static m =>
            {
                var (pending, firing, flapping) = m.AlertCounts;
                return
                [
                    new Measurement<long>(pending, new KeyValuePair<string, object?>(Tags.AlertState, "pending")),
                    new Measurement<long>(firing, new KeyValuePair<string, object?>(Tags.AlertState, "firing")),
                    new Measurement<long>(flapping, new KeyValuePair<string, object?>(Tags.AlertState, "flapping")),
                ];
            }),
            "{alert}",
            "Alerts by state.");
    }

    public Histogram<double> EvaluationDuration { get; }

    public Counter<long> SinkFailures { get; }

    public static MonitoringMetrics For(IMeterFactory? meterFactory) =>
        MeterCache<MonitoringMetrics>.For(meterFactory, PerfKitMonitoringDiagnostics.MeterName, static m => new MonitoringMetrics(m));

    public void Track(MetricsMonitor monitor)
    {
        lock (_sync)
        {
            _monitors.Add(new WeakReference<MetricsMonitor>(monitor));
        }
    }

    private List<Measurement<long>> Observe(Func<MetricsMonitor, Measurement<long>[]> read)
    {
        var result = new List<Measurement<long>>();
        lock (_sync)
        {
            _monitors.RemoveAll(static w => !w.TryGetTarget(out var m) || m.IsDisposed);
            foreach (var weak in _monitors)
            {
                if (weak.TryGetTarget(out var monitor))
                {
                    result.AddRange(read(monitor));
                }
            }
        }

        return result;
    }
}
