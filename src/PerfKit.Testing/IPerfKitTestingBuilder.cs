using Microsoft.Extensions.DependencyInjection;

namespace PerfKit.Testing;

/// <summary>Returned by <c>AddPerfKitTesting</c> to chain further PerfKit.Testing registrations.</summary>
public interface IPerfKitTestingBuilder
{
    /// <summary>The service collection being configured.</summary>
    IServiceCollection Services { get; }
}
