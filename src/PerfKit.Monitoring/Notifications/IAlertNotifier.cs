namespace PerfKit.Monitoring.Notifications;

/// <summary>
/// A channel that delivers notifications (webhook, email, logging, or your own). The dispatcher calls it with one
/// group at a time and never concurrently for one notifier; it retries a group whose call throws.
/// </summary>
public interface IAlertNotifier
{
    /// <summary>The notifier's name, for logs and metrics (low cardinality: one per channel).</summary>
    string Name { get; }

    /// <summary>
    /// Delivers a group of notifications; throws when they were not delivered (an <see cref="AlertDeliveryException"/>
    /// says whether a retry can help and how long to wait; any other exception counts as transient).
    /// </summary>
    /// <param name="notifications">
    /// The group (same group labels), firing alerts and resolves, oldest first; from the dispatcher it is an
    /// <see cref="AlertGroup"/>, which also carries the group's key and labels.
    /// </param>
    /// <param name="cancellationToken">Cancelled at the notifier's timeout or at shutdown.</param>
    /// <returns>A task that completes when the group was delivered.</returns>
    Task SendAsync(IReadOnlyList<AlertNotification> notifications, CancellationToken cancellationToken);
}
