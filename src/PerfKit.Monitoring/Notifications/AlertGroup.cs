using System.Collections;

namespace PerfKit.Monitoring.Notifications;

/// <summary>
/// One group of alerts as the <see cref="NotificationDispatcher"/> hands it to <see cref="IAlertNotifier.SendAsync"/>:
/// the alerts (firing first by start time, then resolved) with the group's key and labels. A notifier can test
/// <c>notifications is AlertGroup group</c> to read them; the list alone is enough for most.
/// </summary>
public sealed class AlertGroup : IReadOnlyList<AlertNotification>
{
    private readonly AlertNotification[] _alerts;

    /// <summary>Creates a group.</summary>
    /// <param name="key">The group's key, in Alertmanager's shape: <c>{}:{alertname="HighCpu"}</c>.</param>
    /// <param name="labels">The labels the group is formed by (<c>alertname</c> by default).</param>
    /// <param name="alerts">The alerts, in the order to send them.</param>
    public AlertGroup(string key, IReadOnlyDictionary<string, string> labels, IEnumerable<AlertNotification> alerts)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(alerts);
        Key = key;
        Labels = labels;
        _alerts = [.. alerts];
    }

    /// <summary>The group's key, in Alertmanager's shape: <c>{}:{alertname="HighCpu"}</c>; the same for every notification of the group.</summary>
    public string Key { get; }

    /// <summary>The labels the group is formed by.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary><see cref="AlertStatus.Firing"/> when at least one alert of the group fires, else <see cref="AlertStatus.Resolved"/>.</summary>
    public AlertStatus Status => Array.Exists(_alerts, static a => a.Status == AlertStatus.Firing) ? AlertStatus.Firing : AlertStatus.Resolved;

    /// <summary>How many alerts the group holds.</summary>
    public int Count => _alerts.Length;

    /// <summary>The alert at <paramref name="index"/>.</summary>
    /// <param name="index">The position.</param>
    public AlertNotification this[int index] => _alerts[index];

    /// <summary>Enumerates the alerts.</summary>
    /// <returns>The enumerator.</returns>
    public IEnumerator<AlertNotification> GetEnumerator() => ((IEnumerable<AlertNotification>)_alerts).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
