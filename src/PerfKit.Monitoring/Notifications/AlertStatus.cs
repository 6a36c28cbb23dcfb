namespace PerfKit.Monitoring.Notifications;

/// <summary>What a notification reports about its alert (the <c>status</c> of Alertmanager's webhook format).</summary>
public enum AlertStatus
{
    /// <summary>The alert started firing, or is still firing (a repeat).</summary>
    Firing = 0,

    /// <summary>The alert stopped firing.</summary>
    Resolved = 1,
}
