using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PerfKit.Monitoring;
using PerfKit.Monitoring.Internal;
using PerfKit.Monitoring.Notifications;
using PerfKit.Shared;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Adds PerfKit.Monitoring's notifications: the <see cref="NotificationDispatcher"/> (registered as an
/// <see cref="IAlertSink"/>, so the rule engine publishes to it) and its notifiers. Every method may be called more
/// than once: one dispatcher, one notifier per name, and a repeated configure adds to the first.
/// </summary>
public static class PerfKitMonitoringNotificationsExtensions
{
    /// <summary>The prefix of the names of the <see cref="WebhookNotifierOptions"/> of each webhook: <c>PerfKit.Monitoring.Webhook</c>.</summary>
    public const string WebhookNotifierOptionsName = "PerfKit.Monitoring.Webhook";

    /// <summary>
    /// Adds the <see cref="NotificationDispatcher"/> as an <see cref="IAlertSink"/>, delivering to every registered
    /// <see cref="IAlertNotifier"/>; its options are validated at host start. The notifier methods call it for you.
    /// </summary>
    /// <param name="builder">The builder from <c>AddPerfKitMonitoring</c>.</param>
    /// <param name="configure">Sets grouping, repeat, queue and retry options; added to earlier ones.</param>
    /// <returns>The builder.</returns>
    public static IPerfKitMonitoringBuilder AddNotifications(this IPerfKitMonitoringBuilder builder, Action<NotificationDispatcherOptions>? configure = null)
    {
        var options = AddDispatcher(builder);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return builder;
    }

    /// <summary>As <see cref="AddNotifications(IPerfKitMonitoringBuilder, Action{NotificationDispatcherOptions})"/>, with the options bound from a configuration section.</summary>
    /// <param name="builder">The builder from <c>AddPerfKitMonitoring</c>.</param>
    /// <param name="configuration">The section, for example <c>configuration.GetSection("PerfKit:Monitoring:Notifications")</c>.</param>
    /// <returns>The builder.</returns>
    public static IPerfKitMonitoringBuilder AddNotifications(this IPerfKitMonitoringBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        AddDispatcher(builder).Bind(configuration, static o => o.ErrorOnUnknownConfiguration = true);
        return builder;
    }

    /// <summary>Adds a webhook notifier named <c>webhook</c> (see <see cref="AddWebhookNotifier(IPerfKitMonitoringBuilder, string, Action{WebhookNotifierOptions})"/>).</summary>
    /// <param name="builder">The builder from <c>AddPerfKitMonitoring</c>.</param>
    /// <param name="configure">Sets the URL, secret and the rest.</param>
    /// <returns>The builder.</returns>
    public static IPerfKitMonitoringBuilder AddWebhookNotifier(this IPerfKitMonitoringBuilder builder, Action<WebhookNotifierOptions> configure) =>
        AddWebhookNotifier(builder, WebhookNotifierOptions.DefaultName, configure);

    /// <summary>
    /// Adds a <see cref="WebhookNotifier"/> named <paramref name="name"/> (its <see cref="IAlertNotifier.Name"/>, in
    /// logs and metrics) and the dispatcher. Its options are the named <see cref="WebhookNotifierOptions"/>
    /// <see cref="WebhookNotifierOptionsNameFor"/>(<paramref name="name"/>), validated at host start; a second call
    /// with the same name adds its configure to the same notifier.
    /// </summary>
    /// <param name="builder">The builder from <c>AddPerfKitMonitoring</c>.</param>
    /// <param name="name">The notifier's name, unique among notifiers.</param>
    /// <param name="configure">Sets the URL, secret and the rest.</param>
    /// <returns>The builder.</returns>
    public static IPerfKitMonitoringBuilder AddWebhookNotifier(this IPerfKitMonitoringBuilder builder, string name, Action<WebhookNotifierOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        AddWebhookCore(builder, name).Configure(configure);
        return builder;
    }

    /// <summary>As <see cref="AddWebhookNotifier(IPerfKitMonitoringBuilder, string, Action{WebhookNotifierOptions})"/>, with the options bound from a configuration section.</summary>
    /// <param name="builder">The builder from <c>AddPerfKitMonitoring</c>.</param>
    /// <param name="name">The notifier's name, unique among notifiers.</param>
    /// <param name="configuration">The section, for example <c>configuration.GetSection("PerfKit:Monitoring:Webhooks:ops")</c>.</param>
    /// <returns>The builder.</returns>
    public static IPerfKitMonitoringBuilder AddWebhookNotifier(this IPerfKitMonitoringBuilder builder, string name, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        AddWebhookCore(builder, name).Bind(configuration, static o => o.ErrorOnUnknownConfiguration = true);
        return builder;
    }

    /// <summary>Adds the <see cref="LoggingNotifier"/> (once, however often called) and the dispatcher.</summary>
    /// <param name="builder">The builder from <c>AddPerfKitMonitoring</c>.</param>
    /// <returns>The builder.</returns>
    public static IPerfKitMonitoringBuilder AddLoggingNotifier(this IPerfKitMonitoringBuilder builder)
    {
        AddDispatcher(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IAlertNotifier, LoggingNotifier>(static sp => new LoggingNotifier(Dependencies(sp))));
        return builder;
    }

    /// <summary>Adds your own notifier (once per type, created by DI as a singleton) and the dispatcher.</summary>
    /// <typeparam name="TNotifier">The notifier; its <see cref="IAlertNotifier.Name"/> must be unique among notifiers.</typeparam>
    /// <param name="builder">The builder from <c>AddPerfKitMonitoring</c>.</param>
    /// <returns>The builder.</returns>
    public static IPerfKitMonitoringBuilder AddNotifier<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TNotifier>(this IPerfKitMonitoringBuilder builder)
        where TNotifier : class, IAlertNotifier
    {
        AddDispatcher(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IAlertNotifier, TNotifier>());
        return builder;
    }

    /// <summary>The name of the <see cref="WebhookNotifierOptions"/> of the webhook named <paramref name="name"/>: <c>PerfKit.Monitoring.Webhook:</c> and the name.</summary>
    /// <param name="name">The webhook's name.</param>
    /// <returns>The options name, for <c>services.Configure&lt;WebhookNotifierOptions&gt;(optionsName, ...)</c> or <c>IOptionsMonitor.Get(optionsName)</c>.</returns>
    public static string WebhookNotifierOptionsNameFor(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return WebhookNotifierOptionsName + ":" + name;
    }

    private static OptionsBuilder<NotificationDispatcherOptions> AddDispatcher(IPerfKitMonitoringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptionsWithValidateOnStart<NotificationDispatcherOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NotificationDispatcherOptions>, NotificationDispatcherOptionsValidator>());
        services.TryAddSingleton(static sp => new NotificationDispatcher(
            sp.GetServices<IAlertNotifier>(),
            sp.GetRequiredService<IOptions<NotificationDispatcherOptions>>().Value,
            Dependencies(sp)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAlertSink, NotificationDispatcher>(static sp => sp.GetRequiredService<NotificationDispatcher>()));
        return options;
    }

    private static OptionsBuilder<WebhookNotifierOptions> AddWebhookCore(IPerfKitMonitoringBuilder builder, string name)
    {
        var optionsName = WebhookNotifierOptionsNameFor(name);
        AddDispatcher(builder);
        return NamedNotifiers.Add<WebhookNotifierOptions, WebhookNotifierOptionsValidator>(
            builder.Services, name, optionsName, static (o, n) => o.Name = n, static (sp, o) => new WebhookNotifier(o, Dependencies(sp)));
    }

    internal static PerfKitMonitoringDependencies Dependencies(IServiceProvider sp) => new()
    {
        TimeProvider = sp.GetService<TimeProvider>(),
        LoggerFactory = sp.GetService<ILoggerFactory>(),
        MeterFactory = sp.GetService<IMeterFactory>(),
    };
}
