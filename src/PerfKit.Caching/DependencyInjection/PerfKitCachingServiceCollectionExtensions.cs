using System.Diagnostics.Metrics;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PerfKit.Caching;
using PerfKit.Caching.Batching;
using PerfKit.Caching.Distributed;
using PerfKit.Caching.Hybrid;
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
        if (!services.Any(static d => d.ServiceType == typeof(PerfKitCache) && !d.IsKeyedService))
        {
            services.AddSingleton(static sp => new PerfKitCache(sp.GetRequiredService<IOptions<PerfKitCacheOptions>>().Value, CacheDependencies(sp)));
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
    /// Adds a named cache beside the unnamed one and other named ones: a keyed <see cref="PerfKitCache"/> and
    /// <see cref="IPerfKitCache"/> singleton (service key <paramref name="name"/>; inject it with
    /// <c>[FromKeyedServices("products")] IPerfKitCache</c> or resolve it with
    /// <c>GetRequiredKeyedService&lt;IPerfKitCache&gt;("products")</c>) with options of its own: the named
    /// <see cref="PerfKitCacheOptions"/> <see cref="PerfKitCacheOptionsNameFor"/>(<paramref name="name"/>), validated at
    /// host start, whose <see cref="PerfKitCacheOptions.Name"/> defaults to <paramref name="name"/> and
    /// <see cref="PerfKitCacheOptions.DistributedKeyPrefix"/> to <paramref name="name"/> and a colon, so caches that share
    /// the L2 never read each other's keys. Every cache of the container shares one L2 store (one Redis connection with
    /// PerfKit.Caching.Redis) and one backplane, whose single subscription carries each cache's invalidations by name.
    /// Each is a memory pressure responder. Calling it again with the same name is harmless: one cache, and the
    /// <paramref name="configure"/>s add up. Names must differ from each other and from the unnamed cache's
    /// <see cref="PerfKitCacheOptions.Name"/> (<c>default</c>): the backplane tells caches apart by name.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The cache's service key and default name; not blank.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>A builder for further caching registrations.</returns>
    public static IPerfKitCachingBuilder AddPerfKitCaching(this IServiceCollection services, string name, Action<PerfKitCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ValidateCacheName(name);
        var optionsName = PerfKitCacheOptionsNameFor(name);
        var options = services.AddOptionsWithValidateOnStart<PerfKitCacheOptions>(optionsName);
        var registered = services.Any(d => d.ServiceType == typeof(PerfKitCache) && d.IsKeyedService && Equals(d.ServiceKey, name));
        if (!registered)
        {
            options.Configure(o =>
            {
                o.Name = name;
                o.DistributedKeyPrefix = NamedCacheKeyPrefix(name);
            });
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PerfKitCacheOptions>, PerfKitCacheOptionsDataValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PerfKitCacheOptions>, PerfKitCacheOptionsValidator>());
        if (!registered)
        {
            services.AddKeyedSingleton(name, static (sp, key) => new PerfKitCache(
                sp.GetRequiredService<IOptionsMonitor<PerfKitCacheOptions>>().Get(PerfKitCacheOptionsNameFor((string)key!)), CacheDependencies(sp)));
            services.AddKeyedSingleton<IPerfKitCache>(name, static (sp, key) => sp.GetRequiredKeyedService<PerfKitCache>(key));
            services.AddSingleton<IMemoryPressureResponder>(sp => sp.GetRequiredKeyedService<PerfKitCache>(name));
        }

        return new PerfKitCachingBuilder(services, name);
    }

    /// <summary>
    /// As <see cref="AddPerfKitCaching(IServiceCollection, string, Action{PerfKitCacheOptions}?)"/>, with the options
    /// bound from a configuration section (for example <c>builder.Configuration.GetSection("PerfKit:Caches:products")</c>).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The cache's service key and default name; not blank.</param>
    /// <param name="configuration">The section holding the cache's <see cref="PerfKitCacheOptions"/>.</param>
    /// <returns>A builder for further caching registrations.</returns>
    public static IPerfKitCachingBuilder AddPerfKitCaching(this IServiceCollection services, string name, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddPerfKitCaching(name);
        services.Configure<PerfKitCacheOptions>(PerfKitCacheOptionsNameFor(name), configuration);
        return builder;
    }

    /// <summary>
    /// The default <see cref="PerfKitCacheOptions.DistributedKeyPrefix"/> of a named cache: its name and the unit
    /// separator U+001F. Names cannot contain control characters, so two named caches never share a key, and an unnamed
    /// cache (prefix empty by default) reaches a named cache's keys only with a key that contains U+001F.
    /// </summary>
    /// <param name="name">The cache's name.</param>
    /// <returns>The prefix.</returns>
    public static string NamedCacheKeyPrefix(string name)
    {
        ValidateCacheName(name);
        return name + "\u001F";
    }

    private static void ValidateCacheName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Length > 200)
        {
            throw new ArgumentException($"A cache name must be at most 200 characters; it has {name.Length}.", nameof(name));
        }

        if (name.Any(char.IsControl))
        {
            throw new ArgumentException("A cache name must not contain control characters (the L2 key prefix of a named cache ends with U+001F).", nameof(name));
        }

        if (name == "default")
        {
            throw new ArgumentException("'default' is the unnamed cache's name (PerfKitCacheOptions.Name): the backplane tells caches apart by name, so a named cache called 'default' would drop the unnamed cache's entries on other nodes. Choose another name.", nameof(name));
        }
    }

    /// <summary>The name of the <see cref="PerfKitCacheOptions"/> of the cache that <c>AddPerfKitCaching(name, ...)</c> registers: <c>PerfKit.Caching:</c> and the cache's name.</summary>
    /// <param name="name">The cache's name.</param>
    /// <returns>The options name, for <c>services.Configure&lt;PerfKitCacheOptions&gt;(optionsName, ...)</c> or <c>IOptionsMonitor.Get(optionsName)</c>.</returns>
    public static string PerfKitCacheOptionsNameFor(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return "PerfKit.Caching:" + name;
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

    /// <summary>
    /// Registers the cache of this builder as Microsoft's <see cref="HybridCache"/> (a <see cref="PerfKitHybridCache"/>
    /// singleton): the unnamed cache as the <see cref="HybridCache"/> service, a named cache
    /// (<c>AddPerfKitCaching("products", ...)</c>) as the keyed <see cref="HybridCache"/> of the same key
    /// (<c>[FromKeyedServices("products")] HybridCache</c>). A <see cref="HybridCache"/> registered before for the same key
    /// (for example by <c>AddHybridCache()</c>) is replaced. Registered <see cref="IHybridCacheSerializer{T}"/> and
    /// <see cref="IHybridCacheSerializerFactory"/> services serialize the L2 payloads (and the copies of mutable values)
    /// of every PerfKit cache of the container, with System.Text.Json for the other types, unless an
    /// <see cref="ICacheSerializer"/> is registered: that one wins. The options are the named
    /// <see cref="PerfKitHybridCacheOptions"/> <see cref="PerfKitHybridCacheOptionsNameFor"/>, validated at host start.
    /// Calling it twice is harmless: one adapter, and the <paramref name="configure"/>s add up.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddPerfKitCaching</c>.</param>
    /// <param name="configure">Sets the mapping options.</param>
    /// <returns>The builder.</returns>
    public static IPerfKitCachingBuilder AsHybridCache(this IPerfKitCachingBuilder builder, Action<PerfKitHybridCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var name = (builder as PerfKitCachingBuilder)?.Name;
        var optionsName = PerfKitHybridCacheOptionsNameFor(name);
        var options = services.AddOptionsWithValidateOnStart<PerfKitHybridCacheOptions>(optionsName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        // AddHybridCache(o => ...)'s HybridCacheOptions (default entry options, key and payload limits) would be dropped
        // by the swap without a word, and entries would live PerfKit's default instead: refuse, and say where they go.
        if (services.Any(static d => d.ServiceType.IsConstructedGenericType && d.ServiceType.GenericTypeArguments[0].FullName == "Microsoft.Extensions.Caching.Hybrid.HybridCacheOptions"
            && d.ServiceType.Name.StartsWith("IConfigureOptions", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException("AddHybridCache(options => ...) was configured before AsHybridCache(): PerfKit's HybridCache does not read HybridCacheOptions. " +
                "Move DefaultEntryOptions.Expiration to PerfKitCacheOptions.DefaultEntryOptions.Duration (AddPerfKitCaching(o => ...)), MaximumKeyLength to PerfKitHybridCacheOptions.MaximumKeyLength (AsHybridCache(o => ...)), " +
                "and payload limits to the L2 (PerfKitRedisOptions.MaximumPayloadBytes), then call AddHybridCache() without options or not at all.");
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PerfKitHybridCacheOptions>, PerfKitHybridCacheOptionsValidator>());
        services.TryAddSingleton<ICacheSerializer>(static sp => new HybridSerializerBridge(sp, new SystemTextJsonCacheSerializer()));
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(HybridCache) && Equals(services[i].ServiceKey, name) && services[i].IsKeyedService == name is not null)
            {
                services.RemoveAt(i);
            }
        }

        if (name is null)
        {
            services.AddSingleton<HybridCache>(static sp => new PerfKitHybridCache(
                sp.GetRequiredService<IPerfKitCache>(),
                sp.GetRequiredService<IOptionsMonitor<PerfKitHybridCacheOptions>>().Get(PerfKitHybridCacheOptionsNameFor(null)),
                new PerfKitCacheDependencies { LoggerFactory = sp.GetService<ILoggerFactory>() }));
        }
        else
        {
            services.AddKeyedSingleton<HybridCache>(name, static (sp, key) => new PerfKitHybridCache(
                sp.GetRequiredKeyedService<IPerfKitCache>(key),
                sp.GetRequiredService<IOptionsMonitor<PerfKitHybridCacheOptions>>().Get(PerfKitHybridCacheOptionsNameFor((string)key!)),
                new PerfKitCacheDependencies { LoggerFactory = sp.GetService<ILoggerFactory>() }));
        }

        return builder;
    }

    /// <summary>The name of the <see cref="PerfKitHybridCacheOptions"/> that <c>AsHybridCache</c> registers: <c>PerfKit.Caching.Hybrid</c>, and for a named cache a colon and its name.</summary>
    /// <param name="name">The named cache's name; <see langword="null"/> for the unnamed cache.</param>
    /// <returns>The options name.</returns>
    public static string PerfKitHybridCacheOptionsNameFor(string? name) =>
        name is null ? "PerfKit.Caching.Hybrid" : "PerfKit.Caching.Hybrid:" + name;

    /// <summary>
    /// Registers the cache of this builder as an <see cref="IDistributedCache"/> (a <see cref="PerfKitDistributedCache"/>
    /// singleton), for code that takes only that interface (ASP.NET Core session state, libraries): the unnamed cache as the
    /// <see cref="IDistributedCache"/> service, a named cache as the keyed <see cref="IDistributedCache"/> of its key.
    /// For the unnamed cache, an <see cref="IDistributedCache"/> registered before (the L2: <c>AddDistributedMemoryCache</c>,
    /// <c>AddStackExchangeRedisCache</c>) stays the caches' L2: it moves to a key of its own, so the caches never use the
    /// view as their own L2. Register the L2 first; an <see cref="IDistributedCache"/> registered later replaces the view.
    /// Calling it twice is harmless.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddPerfKitCaching</c>.</param>
    /// <returns>The builder.</returns>
    public static IPerfKitCachingBuilder AsDistributedCache(this IPerfKitCachingBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if ((builder as PerfKitCachingBuilder)?.Name is { } name)
        {
            if (!services.Any(d => d.ServiceType == typeof(IDistributedCache) && d.IsKeyedService && Equals(d.ServiceKey, name)))
            {
                services.AddKeyedSingleton<IDistributedCache>(name, static (sp, key) => new PerfKitDistributedCache(sp.GetRequiredKeyedService<IPerfKitCache>(key)));
            }

            return builder;
        }

        if (services.Any(static d => d.ServiceType == typeof(DistributedViewMarker)))
        {
            return builder;
        }

        // The L2 registered so far moves to a key of its own, in the same order (the last one still wins).
        var l2 = services.Where(static d => d.ServiceType == typeof(IDistributedCache) && !d.IsKeyedService).ToList();
        foreach (var descriptor in l2)
        {
            services.Remove(descriptor);
            services.Add(Keyed(descriptor, DistributedL2Key));
        }

        services.AddSingleton<DistributedViewMarker>();
        services.AddSingleton<IDistributedCache>(static sp => new PerfKitDistributedCache(sp.GetRequiredService<IPerfKitCache>()));
        return builder;
    }

    private const string DistributedL2Key = "PerfKit.Caching:L2";

    private static ServiceDescriptor Keyed(ServiceDescriptor descriptor, string key)
    {
        if (descriptor.ImplementationInstance is { } instance)
        {
            return new ServiceDescriptor(descriptor.ServiceType, key, instance);
        }

        if (descriptor.ImplementationFactory is { } factory)
        {
            return new ServiceDescriptor(descriptor.ServiceType, key, (sp, _) => factory(sp), descriptor.Lifetime);
        }

        return new ServiceDescriptor(descriptor.ServiceType, key, descriptor.ImplementationType!, descriptor.Lifetime);
    }

    private static IDistributedCache? DistributedL2(IServiceProvider sp) =>
        sp.GetService<DistributedViewMarker>() is null ? sp.GetService<IDistributedCache>() : sp.GetKeyedService<IDistributedCache>(DistributedL2Key);

    // Every cache of the container gets the same store, serializer and backplane singletons.
    private static PerfKitCacheDependencies CacheDependencies(IServiceProvider sp) => new()
    {
        DistributedCache = sp.GetService<IDistributedCacheStore>()
            ?? (DistributedL2(sp) is { } distributed ? new DistributedCacheAdapter(distributed) : null),
        Serializer = sp.GetService<ICacheSerializer>(),
        TimeProvider = sp.GetService<TimeProvider>(),
        LoggerFactory = sp.GetService<ILoggerFactory>(),
        MeterFactory = sp.GetService<IMeterFactory>(),
        Backplane = sp.GetService<ICacheBackplane>(),
    };

    private sealed class BatchFunctionRegistration<TKey, TValue>(Func<IServiceProvider, Func<IReadOnlyList<TKey>, CancellationToken, ValueTask<IReadOnlyDictionary<TKey, TValue>>>> create)
        where TKey : notnull
    {
        public Func<IReadOnlyList<TKey>, CancellationToken, ValueTask<IReadOnlyDictionary<TKey, TValue>>> Create(IServiceProvider services) =>
            create(services) ?? throw new InvalidOperationException($"The batch function factory of BatchLoader<{typeof(TKey).Name}, {typeof(TValue).Name}> returned null.");
    }

    // Registered by AsDistributedCache: the unnamed IDistributedCache is the view, the caches' L2 is keyed.
    private sealed class DistributedViewMarker;

    private sealed class PerfKitCachingBuilder(IServiceCollection services, string? name = null) : IPerfKitCachingBuilder
    {
        public IServiceCollection Services { get; } = services;

        // The named cache this builder came from (AddPerfKitCaching(name, ...)); null for the unnamed cache.
        public string? Name { get; } = name;
    }
}
