using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PerfKit.Monitoring;
using PerfKit.Monitoring.Email;
using PerfKit.Monitoring.Email.Internal;
using PerfKit.Shared;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds email notifications to PerfKit.Monitoring.</summary>
public static class PerfKitMonitoringEmailServiceCollectionExtensions
{
    /// <summary>The prefix of the names of the <see cref="EmailNotifierOptions"/> of each email notifier: <c>PerfKit.Monitoring.Email</c>.</summary>
    public const string EmailNotifierOptionsName = "PerfKit.Monitoring.Email";

    /// <summary>Adds an email notifier named <c>email</c> (see <see cref="AddEmailNotifier(IPerfKitMonitoringBuilder, string, Action{EmailNotifierOptions})"/>).</summary>
    /// <param name="builder">The builder from <c>AddPerfKitMonitoring</c>.</param>
    /// <param name="configure">Sets the server, credentials and addresses.</param>
    /// <returns>The builder.</returns>
    public static IPerfKitMonitoringBuilder AddEmailNotifier(this IPerfKitMonitoringBuilder builder, Action<EmailNotifierOptions> configure) =>
        AddEmailNotifier(builder, EmailNotifierOptions.DefaultName, configure);

    /// <summary>
    /// Adds an <see cref="EmailNotifier"/> named <paramref name="name"/> and the notification dispatcher
    /// (<c>AddNotifications</c>). Its options are the named <see cref="EmailNotifierOptions"/>
    /// <see cref="EmailNotifierOptionsNameFor"/>(<paramref name="name"/>), validated at host start; a second call with
    /// the same name adds its configure to the same notifier.
    /// </summary>
    /// <param name="builder">The builder from <c>AddPerfKitMonitoring</c>.</param>
    /// <param name="name">The notifier's name, unique among notifiers.</param>
    /// <param name="configure">Sets the server, credentials and addresses.</param>
    /// <returns>The builder.</returns>
    public static IPerfKitMonitoringBuilder AddEmailNotifier(this IPerfKitMonitoringBuilder builder, string name, Action<EmailNotifierOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        AddEmailCore(builder, name).Configure(configure);
        return builder;
    }

    /// <summary>As <see cref="AddEmailNotifier(IPerfKitMonitoringBuilder, string, Action{EmailNotifierOptions})"/>, with the options bound from a configuration section.</summary>
    /// <param name="builder">The builder from <c>AddPerfKitMonitoring</c>.</param>
    /// <param name="name">The notifier's name, unique among notifiers.</param>
    /// <param name="configuration">The section, for example <c>configuration.GetSection("PerfKit:Monitoring:Email")</c>.</param>
    /// <returns>The builder.</returns>
    public static IPerfKitMonitoringBuilder AddEmailNotifier(this IPerfKitMonitoringBuilder builder, string name, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        AddEmailCore(builder, name).Bind(configuration, static o => o.ErrorOnUnknownConfiguration = true);
        return builder;
    }

    /// <summary>The name of the <see cref="EmailNotifierOptions"/> of the email notifier named <paramref name="name"/>: <c>PerfKit.Monitoring.Email:</c> and the name.</summary>
    /// <param name="name">The notifier's name.</param>
    /// <returns>The options name.</returns>
    public static string EmailNotifierOptionsNameFor(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return EmailNotifierOptionsName + ":" + name;
    }

    private static OptionsBuilder<EmailNotifierOptions> AddEmailCore(IPerfKitMonitoringBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var optionsName = EmailNotifierOptionsNameFor(name);
        builder.AddNotifications();
        return NamedNotifiers.Add<EmailNotifierOptions, EmailNotifierOptionsValidator>(
            builder.Services, name, optionsName, static (o, n) => o.Name = n, static (sp, o) => new EmailNotifier(o, new PerfKitMonitoringDependencies
            {
                TimeProvider = sp.GetService<TimeProvider>(),
                LoggerFactory = sp.GetService<ILoggerFactory>(),
            }));
    }
}
