using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PerfKit.Monitoring.Health;

/// <summary>
/// Unhealthy while an alert of <see cref="Alerting.AlertSeverity.Critical"/> severity fires.
/// The result is computed on the monitor's tick; the probe reads it.
/// </summary>
public sealed class CriticalAlertsHealthCheck : IHealthCheck
{
    private readonly MetricsMonitor _monitor;

    /// <summary>Creates the check over a monitor.</summary>
    /// <param name="monitor">The monitor whose last result the check reads.</param>
    public CriticalAlertsHealthCheck(MetricsMonitor monitor)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        _monitor = monitor;
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_monitor.AlertsHealth);
}
