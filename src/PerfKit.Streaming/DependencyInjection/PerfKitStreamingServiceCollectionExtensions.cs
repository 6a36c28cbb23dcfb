using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PerfKit.Streaming;
using PerfKit.Streaming.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers PerfKit.Streaming in a service collection.</summary>
public static class PerfKitStreamingServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="StreamingPipelineFactory"/> (a singleton that creates pipelines and directory sources with
    /// the services' <see cref="TimeProvider"/>, logger factory, meter factory and, when registered, an
    /// <see cref="ICheckpointStore"/>) and validation of <see cref="StreamingPipelineOptions"/> at host start: a bad
    /// value fails <c>host.StartAsync</c> with the option's name. Calling it twice is harmless: the services are
    /// registered once, and a second <paramref name="configure"/> adds to the first.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the pipeline options.</param>
    /// <returns>A builder for further PerfKit.Streaming registrations.</returns>
    public static IPerfKitStreamingBuilder AddPerfKitStreaming(this IServiceCollection services, Action<StreamingPipelineOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptionsWithValidateOnStart<StreamingPipelineOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StreamingPipelineOptions>, StreamingPipelineOptionsValidator>());
        services.TryAddSingleton(static sp => new StreamingPipelineFactory(
            sp.GetRequiredService<IOptionsMonitor<StreamingPipelineOptions>>(),
            new PerfKitStreamingDependencies
            {
                TimeProvider = sp.GetService<TimeProvider>(),
                LoggerFactory = sp.GetService<ILoggerFactory>(),
                MeterFactory = sp.GetService<IMeterFactory>(),
                CheckpointStore = sp.GetService<ICheckpointStore>(),
            }));
        return new PerfKitStreamingBuilder(services);
    }

    /// <summary>
    /// Like <see cref="AddPerfKitStreaming(IServiceCollection, Action{StreamingPipelineOptions}?)"/>, binding the
    /// options to a configuration section. Calling it twice (or after the other overload) is harmless: the bindings add up.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section, for example <c>configuration.GetSection("PerfKit:Streaming")</c>.</param>
    /// <returns>A builder for further PerfKit.Streaming registrations.</returns>
    public static IPerfKitStreamingBuilder AddPerfKitStreaming(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddPerfKitStreaming();
        services.Configure<StreamingPipelineOptions>(configuration);
        return builder;
    }

    private sealed class PerfKitStreamingBuilder(IServiceCollection services) : IPerfKitStreamingBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
