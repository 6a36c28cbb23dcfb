using Microsoft.Extensions.DependencyInjection;

namespace PerfKit.Monitoring;

/// <summary>Returned by <c>AddPerfKitMonitoring</c> to chain further PerfKit.Monitoring registrations.</summary>
public interface IPerfKitMonitoringBuilder
{
    /// <summary>The service collection being configured.</summary>
    IServiceCollection Services { get; }
}
