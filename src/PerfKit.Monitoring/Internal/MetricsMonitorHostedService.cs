using Microsoft.Extensions.Hosting;

namespace PerfKit.Monitoring.Internal;

/// <summary>Starts the monitor with the host; the container disposes it.</summary>
internal sealed class MetricsMonitorHostedService(MetricsMonitor monitor) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        monitor.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
