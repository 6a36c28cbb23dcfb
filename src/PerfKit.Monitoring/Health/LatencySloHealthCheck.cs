using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PerfKit.Monitoring.Health;

/// <summary>
/// The latency objective: degraded when <see cref="MonitoringHealthOptions.LatencyPercentile"/> of <see cref="MonitoringHealthOptions.LatencyMetric"/> over the snapshot window is above <see cref="MonitoringHealthOptions.LatencyThreshold"/>.
/// The result is computed on the monitor's tick; the probe reads it.
/// </summary>
public sealed class LatencySloHealthCheck : IHealthCheck
{
    private readonly MetricsMonitor _monitor;

    /// <summary>Creates the check over a monitor.</summary>
    /// <param name="monitor">The monitor whose last result the check reads.</param>
    public LatencySloHealthCheck(MetricsMonitor monitor)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        _monitor = monitor;
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_monitor.LatencyHealth);
}
