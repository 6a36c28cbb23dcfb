using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PerfKit.Caching;
using PerfKit.Caching.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Redis to PerfKit.Caching.</summary>
public static class PerfKitCachingRedisServiceCollectionExtensions
{
    /// <summary>
    /// Makes Redis the cache's L2 (replacing any other <see cref="IDistributedCache"/>) and, unless
    /// <see cref="PerfKitRedisOptions.EnableBackplane"/> is false, its backplane, over one shared connection.
    /// A missing <see cref="PerfKitRedisOptions.Configuration"/> fails at host start.
    /// </summary>
    /// <param name="builder">The builder from <c>AddPerfKitCaching</c>.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The builder.</returns>
    public static IPerfKitCachingBuilder AddRedis(this IPerfKitCachingBuilder builder, Action<PerfKitRedisOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddOptions<PerfKitRedisOptions>()
            .Configure(configure)
            .Validate(o => !string.IsNullOrWhiteSpace(o.Configuration) || o.ConnectionMultiplexerFactory is not null, "PerfKitRedisOptions.Configuration (or ConnectionMultiplexerFactory) is required: where is Redis?")
            .ValidateOnStart();
        services.TryAddSingleton(static sp => new RedisConnection(sp.GetRequiredService<IOptions<PerfKitRedisOptions>>().Value));
        services.RemoveAll<IDistributedCache>();
        services.AddSingleton<IDistributedCache>(static sp =>
        {
            var options = sp.GetRequiredService<IOptions<PerfKitRedisOptions>>().Value;
            var connection = sp.GetRequiredService<RedisConnection>();
            return new RedisCache(Options.Options.Create(new RedisCacheOptions
            {
                InstanceName = options.KeyPrefix,
                ConnectionMultiplexerFactory = connection.GetAsync,
            }));
        });
        services.TryAddSingleton<ICacheBackplane>(static sp =>
        {
            var options = sp.GetRequiredService<IOptions<PerfKitRedisOptions>>().Value;
            return options.EnableBackplane
                ? new RedisCacheBackplane(sp.GetRequiredService<RedisConnection>(), options.Channel, sp.GetService<ILoggerFactory>())
                : NoBackplane.Instance;
        });
        return builder;
    }

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
