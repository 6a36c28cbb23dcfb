using Microsoft.Extensions.DependencyInjection;

namespace PerfKit.Caching;

/// <summary>Returned by <c>AddPerfKitCaching</c> to chain further PerfKit.Caching registrations.</summary>
public interface IPerfKitCachingBuilder
{
    /// <summary>The service collection being configured.</summary>
    IServiceCollection Services { get; }
}
