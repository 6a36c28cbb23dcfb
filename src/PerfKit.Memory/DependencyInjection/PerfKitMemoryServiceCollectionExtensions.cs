using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PerfKit.Memory;
using PerfKit.Memory.Internal;
using PerfKit.Memory.Pooling;
using PerfKit.Memory.Resources;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers PerfKit.Memory in a service collection.</summary>
public static class PerfKitMemoryServiceCollectionExtensions
{
    /// <summary>The name of the <see cref="BoundedArrayPoolOptions"/> of the pool that <see cref="AddBoundedArrayPool(IPerfKitMemoryBuilder, Action{BoundedArrayPoolOptions}?)"/> (the unnamed pool) registers.</summary>
    public const string BoundedArrayPoolOptionsName = "PerfKit.Memory.BoundedArrayPool";

    /// <summary>
    /// Adds the memory budget (<see cref="IMemoryBudget"/> and <see cref="MemoryBudget"/>), a hosted service that
    /// starts its monitor, and validation of <see cref="MemoryBudgetOptions"/> at host start. Calling it twice is
    /// harmless: the services are registered once, and a second <paramref name="configure"/> adds to the first.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>A builder to add responders, lazy resources and pools.</returns>
    public static IPerfKitMemoryBuilder AddPerfKitMemory(this IServiceCollection services, Action<MemoryBudgetOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptionsWithValidateOnStart<MemoryBudgetOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MemoryBudgetOptions>, MemoryBudgetOptionsValidator>());
        services.TryAddSingleton(static sp => new MemoryBudget(
            sp.GetRequiredService<IOptions<MemoryBudgetOptions>>().Value,
            Dependencies(sp),
            () => sp.GetServices<IMemoryPressureResponder>()));
        services.TryAddSingleton<IMemoryBudget>(static sp => sp.GetRequiredService<MemoryBudget>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MemoryBudgetHostedService>());
        return new PerfKitMemoryBuilder(services);
    }

    /// <summary>
    /// Like <see cref="AddPerfKitMemory(IServiceCollection, Action{MemoryBudgetOptions}?)"/>, binding the options to a
    /// configuration section. Calling it twice (or after the other overload) is harmless: the bindings add up.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section, for example <c>configuration.GetSection("PerfKit:Memory")</c>.</param>
    /// <returns>A builder to add responders, lazy resources and pools.</returns>
    public static IPerfKitMemoryBuilder AddPerfKitMemory(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddPerfKitMemory();
        services.Configure<MemoryBudgetOptions>(configuration);
        return builder;
    }

    /// <summary>Adds a responder that reclaim asks to shed memory, in its <see cref="IMemoryPressureResponder.Priority"/> order.</summary>
    /// <typeparam name="TResponder">The responder type, created by DI as a singleton.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IPerfKitMemoryBuilder AddResponder<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TResponder>(this IPerfKitMemoryBuilder builder)
        where TResponder : class, IMemoryPressureResponder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IMemoryPressureResponder, TResponder>());
        return builder;
    }

    /// <summary>
    /// Adds a <see cref="LazyResource{T}"/> singleton (inject <c>LazyResource&lt;T&gt;</c> and call <c>AcquireAsync</c>)
    /// that is also a responder, so it unloads under pressure as well as when idle. Its options are the named
    /// <see cref="LazyResourceOptions"/> <see cref="LazyResourceOptionsName{T}"/>, validated at host start. Calling it
    /// again for the same <typeparamref name="T"/> is harmless: one resource, the <paramref name="configure"/>s add up,
    /// and the last <paramref name="factory"/> is the one used.
    /// </summary>
    /// <typeparam name="T">The resource type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="factory">
    /// Loads the resource. An <c>async</c> lambda fits; a method that returns a <see cref="Task{TResult}"/> is wrapped:
    /// <c>(sp, ct) =&gt; new ValueTask&lt;T&gt;(LoadAsync(ct))</c>.
    /// </param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The builder.</returns>
    public static IPerfKitMemoryBuilder AddLazyResource<T>(
        this IPerfKitMemoryBuilder builder,
        Func<IServiceProvider, CancellationToken, ValueTask<T>> factory,
        Action<LazyResourceOptions>? configure = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        var name = LazyResourceOptionsName<T>();
        var options = builder.Services.AddOptionsWithValidateOnStart<LazyResourceOptions>(name);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LazyResourceOptions>, LazyResourceOptionsValidator>());

        // Not TryAdd: resolving one service takes the last registration, so the last factory wins.
        builder.Services.AddSingleton(new LazyResourceFactory<T>(factory));
        if (builder.Services.Any(static d => d.ServiceType == typeof(LazyResource<T>)))
        {
            return builder;
        }

        builder.Services.AddSingleton(static sp =>
        {
            var factory = sp.GetRequiredService<LazyResourceFactory<T>>().Factory;
            var options = sp.GetRequiredService<IOptionsMonitor<LazyResourceOptions>>().Get(LazyResourceOptionsName<T>());
            return new LazyResource<T>(ct => factory(sp, ct), options, Dependencies(sp));
        });
        builder.Services.AddSingleton<IMemoryPressureResponder>(static sp => sp.GetRequiredService<LazyResource<T>>());
        return builder;
    }

    /// <summary>The name of the <see cref="LazyResourceOptions"/> of the <see cref="LazyResource{T}"/> that <c>AddLazyResource&lt;T&gt;</c> registers: <c>PerfKit.Memory.LazyResource:</c> and the type's full name.</summary>
    /// <typeparam name="T">The resource type.</typeparam>
    /// <returns>The options name, for <c>services.Configure&lt;LazyResourceOptions&gt;(name, ...)</c> or <c>IOptionsMonitor.Get(name)</c>.</returns>
    public static string LazyResourceOptionsName<T>()
        where T : class => "PerfKit.Memory.LazyResource:" + typeof(T).FullName;

    /// <summary>
    /// Adds the unnamed <see cref="BoundedArrayPool{T}"/> of bytes as a singleton that trims itself under pressure
    /// (for more pools, see <see cref="AddBoundedArrayPool(IPerfKitMemoryBuilder, string, Action{BoundedArrayPoolOptions}?)"/>). Its options
    /// are the named <see cref="BoundedArrayPoolOptions"/> <see cref="BoundedArrayPoolOptionsName"/>, validated at host
    /// start. Calling it twice is harmless: one pool, and the <paramref name="configure"/>s add up.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The builder.</returns>
    public static IPerfKitMemoryBuilder AddBoundedArrayPool(this IPerfKitMemoryBuilder builder, Action<BoundedArrayPoolOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptionsWithValidateOnStart<BoundedArrayPoolOptions>(BoundedArrayPoolOptionsName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BoundedArrayPoolOptions>, BoundedArrayPoolOptionsValidator>());
        if (builder.Services.Any(static d => d.ServiceType == typeof(BoundedArrayPool<byte>)))
        {
            return builder;
        }

        builder.Services.AddSingleton(static sp => new BoundedArrayPool<byte>(
            sp.GetRequiredService<IOptionsMonitor<BoundedArrayPoolOptions>>().Get(BoundedArrayPoolOptionsName),
            Dependencies(sp)));
        builder.Services.AddSingleton<IMemoryPressureResponder>(static sp => sp.GetRequiredService<BoundedArrayPool<byte>>());
        return builder;
    }

    /// <summary>
    /// Adds a named <see cref="BoundedArrayPool{T}"/> of bytes: a keyed singleton (inject it with
    /// <c>[FromKeyedServices("name")] BoundedArrayPool&lt;byte&gt;</c> or resolve it with
    /// <c>GetRequiredKeyedService&lt;BoundedArrayPool&lt;byte&gt;&gt;("name")</c>) that trims itself under pressure,
    /// beside the unnamed pool of <see cref="AddBoundedArrayPool(IPerfKitMemoryBuilder, Action{BoundedArrayPoolOptions}?)"/>
    /// and other named ones. Its options are the named <see cref="BoundedArrayPoolOptions"/>
    /// <see cref="BoundedArrayPoolOptionsNameFor"/>(<paramref name="name"/>), validated at host start; the pool's
    /// <see cref="BoundedArrayPoolOptions.Name"/> (its telemetry name) defaults to <paramref name="name"/>. Calling it
    /// again with the same name is harmless: one pool, and the <paramref name="configure"/>s add up.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The pool's service key; not blank.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The builder.</returns>
    public static IPerfKitMemoryBuilder AddBoundedArrayPool(this IPerfKitMemoryBuilder builder, string name, Action<BoundedArrayPoolOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var optionsName = BoundedArrayPoolOptionsNameFor(name);
        var registered = builder.Services.Any(d => d.ServiceType == typeof(BoundedArrayPool<byte>) && d.IsKeyedService && Equals(d.ServiceKey, name));
        var options = builder.Services.AddOptionsWithValidateOnStart<BoundedArrayPoolOptions>(optionsName);
        if (!registered)
        {
            // First, so that a configure (of this call or a later one) can still choose another telemetry name.
            options.Configure(o => o.Name = name);
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BoundedArrayPoolOptions>, BoundedArrayPoolOptionsValidator>());
        if (registered)
        {
            return builder;
        }

        builder.Services.AddKeyedSingleton(name, static (sp, key) => new BoundedArrayPool<byte>(
            sp.GetRequiredService<IOptionsMonitor<BoundedArrayPoolOptions>>().Get(BoundedArrayPoolOptionsNameFor((string)key!)),
            Dependencies(sp)));
        builder.Services.AddSingleton<IMemoryPressureResponder>(sp => sp.GetRequiredKeyedService<BoundedArrayPool<byte>>(name));
        return builder;
    }

    /// <summary>The name of the <see cref="BoundedArrayPoolOptions"/> of the pool that <c>AddBoundedArrayPool(name, configure)</c> registers: <c>PerfKit.Memory.BoundedArrayPool:</c> and the pool's name.</summary>
    /// <param name="name">The pool's name (its service key).</param>
    /// <returns>The options name, for <c>services.Configure&lt;BoundedArrayPoolOptions&gt;(optionsName, ...)</c> or <c>IOptionsMonitor.Get(optionsName)</c>.</returns>
    public static string BoundedArrayPoolOptionsNameFor(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return BoundedArrayPoolOptionsName + ":" + name;
    }

    private static PerfKitMemoryDependencies Dependencies(IServiceProvider sp) => new()
    {
        TimeProvider = sp.GetService<TimeProvider>(),
        LoggerFactory = sp.GetService<ILoggerFactory>(),
        MeterFactory = sp.GetService<IMeterFactory>(),
        MemoryProbe = sp.GetService<IMemoryProbe>(),
    };

    private sealed class LazyResourceFactory<T>(Func<IServiceProvider, CancellationToken, ValueTask<T>> factory)
    {
        public Func<IServiceProvider, CancellationToken, ValueTask<T>> Factory { get; } = factory;
    }

    private sealed class PerfKitMemoryBuilder(IServiceCollection services) : IPerfKitMemoryBuilder
    {
        public IServiceCollection Services { get; } = services;
    }

    private sealed class MemoryBudgetHostedService(MemoryBudget budget) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            budget.Start();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            budget.Stop();
            return Task.CompletedTask;
        }
    }
}
