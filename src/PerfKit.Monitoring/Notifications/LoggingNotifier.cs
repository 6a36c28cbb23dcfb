using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PerfKit.Monitoring.Alerting;
using PerfKit.Monitoring.Internal;

namespace PerfKit.Monitoring.Notifications;

/// <summary>
/// Writes each notification to the log (category <c>PerfKit.Monitoring.Notifications.LoggingNotifier</c>): a firing
/// alert as event 4510 <c>AlertFiring</c> at Error for <see cref="AlertSeverity.Critical"/>, Warning for
/// <see cref="AlertSeverity.Warning"/> and Information for <see cref="AlertSeverity.Info"/>; a resolved one as event
/// 4511 <c>AlertResolved</c> at Information. It never fails, so it also shows what the other notifiers were sent.
/// </summary>
public sealed class LoggingNotifier : IAlertNotifier
{
    /// <summary>The notifier's name: <c>logging</c>.</summary>
    public const string DefaultName = "logging";

    private readonly ILogger _logger;

    /// <summary>Creates the notifier.</summary>
    /// <param name="dependencies">The logger factory to write to; without one the notifier writes nowhere.</param>
    public LoggingNotifier(PerfKitMonitoringDependencies? dependencies = null) =>
        _logger = (ILogger?)dependencies?.LoggerFactory?.CreateLogger<LoggingNotifier>() ?? NullLogger.Instance;

    /// <inheritdoc />
    public string Name => DefaultName;

    /// <summary>Logs each notification of the group.</summary>
    /// <param name="notifications">The group.</param>
    /// <param name="cancellationToken">Not used: logging does not wait.</param>
    /// <returns>A completed task.</returns>
    public Task SendAsync(IReadOnlyList<AlertNotification> notifications, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notifications);
        foreach (var n in notifications)
        {
            if (n.Status == AlertStatus.Firing)
            {
                var level = n.Severity switch
                {
                    AlertSeverity.Critical => LogLevel.Error,
                    AlertSeverity.Warning => LogLevel.Warning,
                    _ => LogLevel.Information,
                };
                Log.NotifiedAlertFiring(_logger, level, n.RuleName, n.Severity, n.StartsAt, n.Value, n.Fingerprint, Format(n.Labels), Format(n.Annotations));
            }
            else
            {
                Log.NotifiedAlertResolved(_logger, n.RuleName, n.Severity, n.EndsAt, n.StartsAt, n.Fingerprint, Format(n.Labels));
            }
        }

        return Task.CompletedTask;
    }

    private static string Format(IReadOnlyDictionary<string, string> values) =>
        "{" + string.Join(", ", values.OrderBy(static v => v.Key, StringComparer.Ordinal).Select(static v => string.Create(CultureInfo.InvariantCulture, $"{v.Key}={v.Value}"))) + "}";
}
