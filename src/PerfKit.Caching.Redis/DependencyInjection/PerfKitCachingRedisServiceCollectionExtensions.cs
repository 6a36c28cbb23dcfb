using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PerfKit.Caching;
using PerfKit.Caching.Distributed;
using PerfKit.Caching.Redis;
using PerfKit.Caching.Redis.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Redis to PerfKit.Caching.</summary>
public static class PerfKitCachingRedisServiceCollectionExtensions
{
    /// <summary>
    /// Makes Redis the cache's L2 (a <see cref="RedisDistributedCacheStore"/> registered as the
    /// <see cref="IDistributedCacheStore"/>, replacing any other) and, unless <see cref="PerfKitRedisOptions.EnableBackplane"/>
    /// is false, its backplane, over one shared <see cref="RedisConnection"/> that the container disposes (closing the
    /// connection only if PerfKit opened it). Invalid options fail at host start, naming the option.
    /// </summary>
    /// <param name="builder">The builder from <c>AddPerfKitCaching</c>.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The builder.</returns>
    public static IPerfKitCachingBuilder AddRedis(this IPerfKitCachingBuilder builder, Action<PerfKitRedisOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        AddRedisCore(builder).Configure(configure);
        return builder;
    }

    /// <summary>As <see cref="AddRedis(IPerfKitCachingBuilder, Action{PerfKitRedisOptions})"/>, with the options bound from a configuration section.</summary>
    /// <param name="builder">The builder from <c>AddPerfKitCaching</c>.</param>
    /// <param name="configuration">The section, for example <c>configuration.GetSection("PerfKit:Redis")</c>.</param>
    /// <returns>The builder.</returns>
    public static IPerfKitCachingBuilder AddRedis(this IPerfKitCachingBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        AddRedisCore(builder).Bind(configuration);
        return builder;
    }

    private static OptionsBuilder<PerfKitRedisOptions> AddRedisCore(IPerfKitCachingBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptionsWithValidateOnStart<PerfKitRedisOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PerfKitRedisOptions>, PerfKitRedisOptionsValidator>());
        services.TryAddSingleton(static sp => new RedisConnection(sp.GetRequiredService<IOptions<PerfKitRedisOptions>>().Value, Dependencies(sp)));

        // With a host: connect while it starts, so the first cache call does not pay for the connect (bounded, never fatal).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RedisConnectionWarmup>(static sp => new RedisConnectionWarmup(
            sp.GetRequiredService<RedisConnection>(), sp.GetService<ILoggerFactory>(), sp.GetService<TimeProvider>())));
        services.RemoveAll<IDistributedCacheStore>();
        services.AddSingleton<IDistributedCacheStore>(static sp => new RedisDistributedCacheStore(
            sp.GetRequiredService<RedisConnection>(),
            sp.GetRequiredService<IOptions<PerfKitRedisOptions>>().Value));
        services.TryAddSingleton<ICacheBackplane>(static sp =>
        {
            var options = sp.GetRequiredService<IOptions<PerfKitRedisOptions>>().Value;
            return options.EnableBackplane
                ? new RedisCacheBackplane(sp.GetRequiredService<RedisConnection>(), options, Dependencies(sp))
                : NoBackplane.Instance;
        });
        return options;
    }

    private static PerfKitRedisDependencies Dependencies(IServiceProvider services) => new()
    {
        LoggerFactory = services.GetService<ILoggerFactory>(),
        TimeProvider = services.GetService<TimeProvider>(),
    };

    private sealed class NoBackplane : ICacheBackplane
    {
        public static readonly NoBackplane Instance = new();

        public ValueTask PublishAsync(CacheInvalidation invalidation, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public IDisposable Subscribe(Action<CacheInvalidation> handler) => new Nothing();

        private sealed class Nothing : IDisposable
        {
            public void Dispose()
            {
            }
        }
    }
}
