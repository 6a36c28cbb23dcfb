using Microsoft.Extensions.DependencyInjection;

namespace PerfKit.Memory;

/// <summary>Returned by <c>AddPerfKitMemory</c> to chain further PerfKit.Memory registrations.</summary>
public interface IPerfKitMemoryBuilder
{
    /// <summary>The service collection being configured.</summary>
    IServiceCollection Services { get; }
}
