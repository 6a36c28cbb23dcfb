using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PerfKit.Monitoring.Health;

/// <summary>
/// PerfKit.Memory's budget: unhealthy above the budget, degraded above <see cref="MonitoringHealthOptions.MemoryDegradedFraction"/> of it; healthy when PerfKit.Memory is not in use (read from its meter, no reference to the package).
/// The result is computed on the monitor's tick; the probe reads it.
/// </summary>
public sealed class MemoryBudgetHealthCheck : IHealthCheck
{
    private readonly MetricsMonitor _monitor;

    /// <summary>Creates the check over a monitor.</summary>
    /// <param name="monitor">The monitor whose last result the check reads.</param>
    public MemoryBudgetHealthCheck(MetricsMonitor monitor)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        _monitor = monitor;
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_monitor.MemoryHealth);
}
