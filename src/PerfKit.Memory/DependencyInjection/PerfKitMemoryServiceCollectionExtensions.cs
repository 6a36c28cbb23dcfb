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
    /// <summary>
    /// Adds the memory budget (<see cref="IMemoryBudget"/> and <see cref="MemoryBudget"/>), a hosted service that
    /// starts its monitor, and start-up validation of <see cref="MemoryBudgetOptions"/>. Calling it twice is harmless;
    /// a second <paramref name="configure"/> adds to the first.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>A builder to add responders, lazy resources and pools.</returns>
    public static IPerfKitMemoryBuilder AddPerfKitMemory(this IServiceCollection services, Action<MemoryBudgetOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<MemoryBudgetOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MemoryBudgetOptions>, MemoryBudgetOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MemoryBudgetOptions>, MemoryBudgetOptionsCrossValidator>());
        services.TryAddSingleton(static sp => new MemoryBudget(
            sp.GetRequiredService<IOptions<MemoryBudgetOptions>>().Value,
            sp.GetService<TimeProvider>(),
            sp.GetService<IMemoryProbe>(),
            () => sp.GetServices<IMemoryPressureResponder>(),
            sp.GetService<ILoggerFactory>(),
            sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<IMemoryBudget>(static sp => sp.GetRequiredService<MemoryBudget>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MemoryBudgetHostedService>());
        return new PerfKitMemoryBuilder(services);
    }

    /// <summary>Like <see cref="AddPerfKitMemory(IServiceCollection, Action{MemoryBudgetOptions}?)"/>, binding the options to a configuration section.</summary>
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
    /// that is also a responder, so it unloads under pressure as well as when idle.
    /// </summary>
    /// <typeparam name="T">The resource type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="factory">Loads the resource.</param>
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
        if (builder.Services.Any(static d => d.ServiceType == typeof(LazyResource<T>)))
        {
            throw new InvalidOperationException($"A lazy resource of type {typeof(T).FullName} is registered already.");
        }

        builder.Services.AddSingleton(sp =>
        {
            var options = new LazyResourceOptions();
            configure?.Invoke(options);
            return new LazyResource<T>(ct => factory(sp, ct), options, sp.GetService<TimeProvider>(), sp.GetService<ILoggerFactory>(), sp.GetService<IMeterFactory>());
        });
        builder.Services.AddSingleton<IMemoryPressureResponder>(static sp => sp.GetRequiredService<LazyResource<T>>());
        return builder;
    }

    /// <summary>Adds a <see cref="BoundedArrayPool{T}"/> of bytes as a singleton that trims itself under pressure.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The builder.</returns>
    public static IPerfKitMemoryBuilder AddBoundedArrayPool(this IPerfKitMemoryBuilder builder, Action<BoundedArrayPoolOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Services.Any(static d => d.ServiceType == typeof(BoundedArrayPool<byte>)))
        {
            return builder;
        }

        builder.Services.AddSingleton(sp =>
        {
            var options = new BoundedArrayPoolOptions();
            configure?.Invoke(options);
            return new BoundedArrayPool<byte>(options, sp.GetService<IMeterFactory>());
        });
        builder.Services.AddSingleton<IMemoryPressureResponder>(static sp => sp.GetRequiredService<BoundedArrayPool<byte>>());
        return builder;
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
