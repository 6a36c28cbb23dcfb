namespace PerfKit.Monitoring.Notifications;

/// <summary>
/// A channel that delivers notifications (webhook, email, logging, or your own). The dispatcher calls it with one
/// group at a time and never concurrently for one notifier; it retries a group whose call throws.
/// </summary>
public interface IAlertNotifier
{
    /// <summary>The notifier's name, for logs and metrics (low cardinality: one per channel).</summary>
    string Name { get; }

    /// <summary>Delivers a group of notifications; throws when they were not delivered.</summary>
    /// <param name="notifications">The group (same group labels), oldest first.</param>
    /// <param name="cancellationToken">Cancelled at the notifier's timeout or at shutdown.</param>
    /// <returns>A task that completes when the group was delivered.</returns>
    Task SendAsync(IReadOnlyList<AlertNotification> notifications, CancellationToken cancellationToken);
}
