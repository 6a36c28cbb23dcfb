using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PerfKit.Testing;
using PerfKit.Testing.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers PerfKit.Testing in a service collection (for hosts that run load tests and write reports; tests can use <c>LoadTest</c> directly).</summary>
public static class PerfKitTestingServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ILoadTestRunner"/> (on the container's <see cref="TimeProvider"/> if there is one, logging through
    /// <c>ILogger</c>, metering on <see cref="PerfKitTestingDiagnostics.MeterName"/>) and start-up validation of
    /// <see cref="PerfKitTestingOptions"/>. Calling it twice is harmless.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddPerfKitTesting(this IServiceCollection services, Action<PerfKitTestingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<PerfKitTestingOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PerfKitTestingOptions>, PerfKitTestingOptionsValidator>());
        services.TryAddSingleton<ILoadTestRunner, LoadTestRunner>();
        return services;
    }
}
