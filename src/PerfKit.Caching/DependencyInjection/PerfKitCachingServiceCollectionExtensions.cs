using System.Diagnostics.Metrics;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PerfKit.Caching;
using PerfKit.Caching.Batching;
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

    /// <summary>
    /// Adds a <see cref="BatchLoader{TKey, TValue}"/> singleton that sends concurrent single-key loads to
    /// <paramref name="batchFunction"/> in batches. Its options are the named <see cref="BatchLoaderOptions"/>
    /// <see cref="BatchLoaderOptionsName{TKey, TValue}"/>, validated at host start (the loader's
    /// <see cref="BatchLoaderOptions.Name"/> defaults to the value type's name). Calling it again for the same types is
    /// harmless: one loader, the <paramref name="configure"/>s add up, and the last batch function wins.
    /// </summary>
    /// <typeparam name="TKey">The key type.</typeparam>
    /// <typeparam name="TValue">The value type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="batchFunction">Creates the batch function from the container (for example one that calls a model or a database client registered there).</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The builder.</returns>
    public static IPerfKitCachingBuilder AddBatchLoader<TKey, TValue>(this IPerfKitCachingBuilder builder, Func<IServiceProvider, Func<IReadOnlyList<TKey>, CancellationToken, ValueTask<IReadOnlyDictionary<TKey, TValue>>>> batchFunction, Action<BatchLoaderOptions>? configure = null)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(batchFunction);
        var name = BatchLoaderOptionsName<TKey, TValue>();
        var options = builder.Services.AddOptionsWithValidateOnStart<BatchLoaderOptions>(name);
        if (!builder.Services.Any(static d => d.ServiceType == typeof(BatchLoader<TKey, TValue>)))
        {
            options.Configure(static o => o.Name = typeof(TValue).Name);
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BatchLoaderOptions>, BatchLoaderOptionsValidator>());

        // Not TryAdd: resolving one service takes the last registration, so the last batch function wins.
        builder.Services.AddSingleton(new BatchFunctionRegistration<TKey, TValue>(batchFunction));
        if (builder.Services.Any(static d => d.ServiceType == typeof(BatchLoader<TKey, TValue>)))
        {
            return builder;
        }

        builder.Services.AddSingleton(static sp => new BatchLoader<TKey, TValue>(
            sp.GetRequiredService<BatchFunctionRegistration<TKey, TValue>>().Create(sp),
            sp.GetRequiredService<IOptionsMonitor<BatchLoaderOptions>>().Get(BatchLoaderOptionsName<TKey, TValue>()),
            new PerfKitCacheDependencies
            {
                TimeProvider = sp.GetService<TimeProvider>(),
                LoggerFactory = sp.GetService<ILoggerFactory>(),
                MeterFactory = sp.GetService<IMeterFactory>(),
            }));
        return builder;
    }

    /// <summary>The name of the <see cref="BatchLoaderOptions"/> of the loader that <c>AddBatchLoader&lt;TKey, TValue&gt;</c> registers: <c>PerfKit.Caching.BatchLoader:</c>, the key type's and the value type's full names.</summary>
    /// <typeparam name="TKey">The key type.</typeparam>
    /// <typeparam name="TValue">The value type.</typeparam>
    /// <returns>The options name, for <c>services.Configure&lt;BatchLoaderOptions&gt;(name, ...)</c> or <c>IOptionsMonitor.Get(name)</c>.</returns>
    public static string BatchLoaderOptionsName<TKey, TValue>()
        where TKey : notnull => "PerfKit.Caching.BatchLoader:" + typeof(TKey).FullName + "," + typeof(TValue).FullName;

    private sealed class BatchFunctionRegistration<TKey, TValue>(Func<IServiceProvider, Func<IReadOnlyList<TKey>, CancellationToken, ValueTask<IReadOnlyDictionary<TKey, TValue>>>> create)
        where TKey : notnull
    {
        public Func<IReadOnlyList<TKey>, CancellationToken, ValueTask<IReadOnlyDictionary<TKey, TValue>>> Create(IServiceProvider services) =>
            create(services) ?? throw new InvalidOperationException($"The batch function factory of BatchLoader<{typeof(TKey).Name}, {typeof(TValue).Name}> returned null.");
    }

    private sealed class PerfKitCachingBuilder(IServiceCollection services) : IPerfKitCachingBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
