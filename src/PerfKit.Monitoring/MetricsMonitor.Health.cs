using Microsoft.Extensions.Diagnostics.HealthChecks;
using PerfKit.Monitoring.Alerting;
using PerfKit.Monitoring.Internal;

namespace PerfKit.Monitoring;

// The health results, computed on each tick so that probes only read them.
public sealed partial class MetricsMonitor
{
    private void UpdateHealth()
    {
        var health = _options.HealthChecks;
        var budget = ReadLast(KnownInstruments.MemoryMeter, KnownInstruments.MemoryBudget);
        var usage = ReadLast(KnownInstruments.MemoryMeter, KnownInstruments.MemoryUsage);
        if (double.IsNaN(budget) || budget <= 0 || double.IsNaN(usage))
        {
            _memoryHealth = HealthCheckResult.Healthy("No memory budget: PerfKit.Memory's budget is not in use (or not selected by MonitoringOptions.Meters).");
        }
        else
        {
            var share = usage / budget;
            var data = new Dictionary<string, object> { ["usage_bytes"] = usage, ["budget_bytes"] = budget, ["share"] = share };
            var text = $"Memory usage {RuleRuntime.Format(usage / (1024 * 1024))} MB is {RuleRuntime.Format(share * 100)}% of the budget {RuleRuntime.Format(budget / (1024 * 1024))} MB.";
            _memoryHealth = share > 1 ? HealthCheckResult.Unhealthy(text, data: data)
                : share > health.MemoryDegradedFraction ? HealthCheckResult.Degraded(text, data: data)
                : HealthCheckResult.Healthy(text, data);
        }

        _scratch.Reset();
        var intervals = (int)(_options.SnapshotWindow.Ticks / _options.Interval.Ticks);
        foreach (var instrument in _collector.Instruments)
        {
            if (instrument.Name == health.LatencyMetric && instrument.Kind == SeriesKind.Histogram)
            {
                foreach (var series in instrument.AllSeries)
                {
                    series.AddTo(_scratch, intervals);
                }
            }
        }

        var latency = _scratch.Compute(health.LatencyPercentile, _options.Interval);
        if (double.IsNaN(latency))
        {
            _latencyHealth = HealthCheckResult.Healthy($"No {health.LatencyMetric} measurements in the last {_options.SnapshotWindow}.");
        }
        else
        {
            var data = new Dictionary<string, object> { ["value"] = latency, ["threshold"] = health.LatencyThreshold, ["count"] = _scratch.Count };
            var text = $"{health.LatencyPercentile} of {health.LatencyMetric} over {_options.SnapshotWindow} is {RuleRuntime.Format(latency)} (objective {RuleRuntime.Format(health.LatencyThreshold)}).";
            _latencyHealth = latency > health.LatencyThreshold ? HealthCheckResult.Degraded(text, data: data) : HealthCheckResult.Healthy(text, data);
        }

        List<string>? critical = null;
        foreach (var rule in _rules)
        {
            if (rule.Options.Severity != AlertSeverity.Critical)
            {
                continue;
            }

            foreach (var group in rule.Groups)
            {
                if (group.Instance.State == AlertState.Firing)
                {
                    (critical ??= []).Add(rule.Options.Name);
                    break;
                }
            }
        }

        _alertsHealth = critical is null
            ? HealthCheckResult.Healthy("No critical alert is firing.")
            : HealthCheckResult.Unhealthy($"Critical alerts firing: {string.Join(", ", critical)}.");
    }
}
