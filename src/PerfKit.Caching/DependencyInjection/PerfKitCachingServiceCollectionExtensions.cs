using System.Diagnostics.Metrics;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PerfKit.Caching;
using PerfKit.Caching.Distributed;
using PerfKit.Caching.Internal;
using PerfKit.Caching.Serialization;
using PerfKit.Memory;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers PerfKit.Caching in a service collection.</summary>
public static class PerfKitCachingServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IPerfKitCache"/> (a <see cref="PerfKitCache"/> singleton) with start-up validation of its options.
    /// L2 is the registered <see cref="IDistributedCacheStore"/> (PerfKit.Caching.Redis registers one), else the registered
    /// <see cref="IDistributedCache"/> through <see cref="DistributedCacheAdapter"/>, else none; the serializer the registered
    /// <see cref="ICacheSerializer"/>, else System.Text.Json. The cache is registered as an
    /// <see cref="IMemoryPressureResponder"/>, so <c>AddPerfKitMemory</c> shrinks it under pressure. Calling it twice is harmless.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>A builder for further caching registrations.</returns>
    public static IPerfKitCachingBuilder AddPerfKitCaching(this IServiceCollection services, Action<PerfKitCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptionsWithValidateOnStart<PerfKitCacheOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PerfKitCacheOptions>, PerfKitCacheOptionsDataValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PerfKitCacheOptions>, PerfKitCacheOptionsValidator>());
        if (!services.Any(static d => d.ServiceType == typeof(PerfKitCache)))
        {
            services.AddSingleton(static sp => new PerfKitCache(
                sp.GetRequiredService<IOptions<PerfKitCacheOptions>>().Value,
                new PerfKitCacheDependencies
                {
                    DistributedCache = sp.GetService<IDistributedCacheStore>()
                        ?? (sp.GetService<IDistributedCache>() is { } distributed ? new DistributedCacheAdapter(distributed) : null),
                    Serializer = sp.GetService<ICacheSerializer>(),
                    TimeProvider = sp.GetService<TimeProvider>(),
                    LoggerFactory = sp.GetService<ILoggerFactory>(),
                    MeterFactory = sp.GetService<IMeterFactory>(),
                    Backplane = sp.GetService<ICacheBackplane>(),
                }));
            services.AddSingleton<IPerfKitCache>(static sp => sp.GetRequiredService<PerfKitCache>());
            services.AddSingleton<IMemoryPressureResponder>(static sp => sp.GetRequiredService<PerfKitCache>());
        }

        return new PerfKitCachingBuilder(services);
    }

    /// <summary>
    /// As <see cref="AddPerfKitCaching(IServiceCollection, Action{PerfKitCacheOptions}?)"/>, with the options bound from a
    /// configuration section (for example <c>builder.Configuration.GetSection("PerfKit:Caching")</c>); bad values fail at
    /// host start naming the option. Calling it twice is harmless (both sections apply, the later one last).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section holding <see cref="PerfKitCacheOptions"/>.</param>
    /// <returns>A builder for further caching registrations.</returns>
    public static IPerfKitCachingBuilder AddPerfKitCaching(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddPerfKitCaching();
        services.Configure<PerfKitCacheOptions>(configuration);
        return builder;
    }

    private sealed class PerfKitCachingBuilder(IServiceCollection services) : IPerfKitCachingBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
