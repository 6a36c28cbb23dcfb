using Microsoft.Extensions.Configuration;
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
    /// <c>ILogger</c>, metering on <see cref="PerfKitTestingDiagnostics.MeterName"/>) and validation of
    /// <see cref="PerfKitTestingOptions"/> at host start. Calling it twice is harmless: the services are registered
    /// once, and a second <paramref name="configure"/> adds to the first.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>A builder for further PerfKit.Testing registrations.</returns>
    public static IPerfKitTestingBuilder AddPerfKitTesting(this IServiceCollection services, Action<PerfKitTestingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptionsWithValidateOnStart<PerfKitTestingOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PerfKitTestingOptions>, PerfKitTestingOptionsDataValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PerfKitTestingOptions>, PerfKitTestingOptionsValidator>());
        services.TryAddSingleton<ILoadTestRunner, LoadTestRunner>();
        return new PerfKitTestingBuilder(services);
    }

    /// <summary>
    /// Like <see cref="AddPerfKitTesting(IServiceCollection, Action{PerfKitTestingOptions}?)"/>, binding the options to a
    /// configuration section. Calling it twice (or after the other overload) is harmless: the bindings add up.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section, for example <c>configuration.GetSection("PerfKit:Testing")</c>.</param>
    /// <returns>A builder for further PerfKit.Testing registrations.</returns>
    public static IPerfKitTestingBuilder AddPerfKitTesting(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddPerfKitTesting();
        services.Configure<PerfKitTestingOptions>(configuration);
        return builder;
    }

    private sealed class PerfKitTestingBuilder(IServiceCollection services) : IPerfKitTestingBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
