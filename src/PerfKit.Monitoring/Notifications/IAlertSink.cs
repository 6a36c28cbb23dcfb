namespace PerfKit.Monitoring.Notifications;

/// <summary>
/// Receives the rule engine's alert transitions: one <see cref="AlertStatus.Firing"/> when an alert starts firing and
/// one <see cref="AlertStatus.Resolved"/> when it stops. Repeats, grouping and deduplication are the sink's business.
/// </summary>
public interface IAlertSink
{
    /// <summary>Takes one transition. Must not block or throw: the rule engine calls it on its evaluation tick.</summary>
    /// <param name="notification">The transition.</param>
    void Publish(AlertNotification notification);
}
