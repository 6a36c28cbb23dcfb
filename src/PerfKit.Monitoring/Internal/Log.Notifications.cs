using Microsoft.Extensions.Logging;

namespace PerfKit.Monitoring.Internal;

// Notification log messages, event ids 4500–4999.
internal static partial class Log
{
    [LoggerMessage(EventId = 4500, EventName = "NotificationFailed", Level = LogLevel.Warning,
        Message = "Notifier {Notifier} failed to deliver group {GroupKey} after {Attempts} attempt(s) ({Reason}); the group is tried again at its next group interval")]
    public static partial void NotificationFailed(ILogger logger, Exception exception, string notifier, string groupKey, int attempts, string reason);

    [LoggerMessage(EventId = 4501, EventName = "NotificationRetrying", Level = LogLevel.Debug,
        Message = "Notifier {Notifier} failed attempt {Attempt} for group {GroupKey}; retrying in {DelayMs} ms")]
    public static partial void NotificationRetrying(ILogger logger, Exception exception, string notifier, string groupKey, int attempt, double delayMs);

    [LoggerMessage(EventId = 4502, EventName = "NotificationOutboxFull", Level = LogLevel.Warning,
        Message = "The outbox of notifier {Notifier} is full ({Capacity} groups): dropping the oldest; further drops until the next delivery are only counted (perfkit.monitoring.notifications.dropped)")]
    public static partial void NotificationOutboxFull(ILogger logger, string notifier, int capacity);

    [LoggerMessage(EventId = 4503, EventName = "NotificationPublishFailed", Level = LogLevel.Error,
        Message = "An alert notification could not be taken by the dispatcher")]
    public static partial void NotificationPublishFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4504, EventName = "NotificationDelivered", Level = LogLevel.Debug,
        Message = "Notifier {Notifier} delivered group {GroupKey}: {FiringCount} firing, {ResolvedCount} resolved")]
    public static partial void NotificationDelivered(ILogger logger, string notifier, string groupKey, int firingCount, int resolvedCount);

    [LoggerMessage(EventId = 4505, EventName = "NotificationCallAbandoned", Level = LogLevel.Warning,
        Message = "Notifier {Notifier} ignored the cancellation of its call for group {GroupKey} at the send timeout ({Timeout}): the call is left running, counted as a transient failure, and the notifier is not called again until it ends")]
    public static partial void NotificationCallAbandoned(ILogger logger, string notifier, string groupKey, TimeSpan timeout);

    [LoggerMessage(EventId = 4510, EventName = "NotifiedAlertFiring",
        Message = "Alert {RuleName} firing ({Severity}) since {StartsAt:O}, value {Value}, fingerprint {Fingerprint}, labels {Labels}, annotations {Annotations}")]
    public static partial void NotifiedAlertFiring(ILogger logger, LogLevel level, string ruleName, Alerting.AlertSeverity severity, DateTimeOffset startsAt, double? value, string fingerprint, string labels, string annotations);

    [LoggerMessage(EventId = 4511, EventName = "NotifiedAlertResolved", Level = LogLevel.Information,
        Message = "Alert {RuleName} resolved ({Severity}) at {EndsAt:O}, fired since {StartsAt:O}, fingerprint {Fingerprint}, labels {Labels}")]
    public static partial void NotifiedAlertResolved(ILogger logger, string ruleName, Alerting.AlertSeverity severity, DateTimeOffset? endsAt, DateTimeOffset startsAt, string fingerprint, string labels);
}
