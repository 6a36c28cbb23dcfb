using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PerfKit.Monitoring;
using PerfKit.Monitoring.Health;
using PerfKit.Monitoring.Internal;
using PerfKit.Monitoring.Notifications;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers PerfKit.Monitoring in a service collection.</summary>
public static class PerfKitMonitoringServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="MetricsMonitor"/> (started by a hosted service), its health checks
    /// (<see cref="MemoryBudgetHealthCheck"/>, <see cref="LatencySloHealthCheck"/>, <see cref="CriticalAlertsHealthCheck"/>,
    /// to add with <c>AddHealthChecks().AddCheck&lt;T&gt;(name)</c>), and validation of <see cref="MonitoringOptions"/>
    /// at host start. Alert transitions go to every registered <see cref="IAlertSink"/>. Calling it twice is harmless:
    /// the services are registered once, and a second <paramref name="configure"/> adds to the first.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>A builder for further registrations.</returns>
    public static IPerfKitMonitoringBuilder AddPerfKitMonitoring(this IServiceCollection services, Action<MonitoringOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptionsWithValidateOnStart<MonitoringOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MonitoringOptions>, MonitoringOptionsValidator>());
        services.TryAddSingleton(static sp => new MetricsMonitor(
            () => sp.GetServices<IAlertSink>(),
            sp.GetRequiredService<IOptions<MonitoringOptions>>().Value,
            PerfKitMonitoringNotificationsExtensions.Dependencies(sp)));
        services.TryAddSingleton<MemoryBudgetHealthCheck>();
        services.TryAddSingleton<LatencySloHealthCheck>();
        services.TryAddSingleton<CriticalAlertsHealthCheck>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MetricsMonitorHostedService>());
        return new PerfKitMonitoringBuilder(services);
    }

    /// <summary>
    /// Like <see cref="AddPerfKitMonitoring(IServiceCollection, Action{MonitoringOptions}?)"/>, binding the options
    /// (rules included) to a configuration section. Calling it twice (or after the other overload) is harmless: the
    /// bindings add up (lists such as <c>Rules</c> and <c>Meters</c> are appended to). Binding is strict: an unknown key
    /// (a misspelled field) fails at host start naming it, except the sections <c>Notifications</c>, <c>Webhooks</c> and
    /// <c>Email</c> (the notifiers' own, bound by their calls); an empty value of a field that is not text (say
    /// <c>"Window": ""</c>) fails validation naming the rule and the field.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section, for example <c>configuration.GetSection("PerfKit:Monitoring")</c>.</param>
    /// <returns>A builder for further registrations.</returns>
    public static IPerfKitMonitoringBuilder AddPerfKitMonitoring(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddPerfKitMonitoring();
        services.Configure<MonitoringOptions>(options => MonitoringConfiguration.Bind(configuration, options));
        services.AddSingleton<IValidateOptions<MonitoringOptions>>(new MonitoringConfigurationValidator(configuration));
        return builder;
    }

    private sealed class PerfKitMonitoringBuilder(IServiceCollection services) : IPerfKitMonitoringBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
