namespace PerfKit.Monitoring;

// The notification part of PerfKitMonitoringDiagnostics (instrument and tag names of the dispatcher and notifiers).
public static partial class PerfKitMonitoringDiagnostics
{
    // Instruments of notifications.
    public static partial class Instruments
    {
        /// <summary>Counter: notifications (one per group message) delivered, by notifier.</summary>
        public const string NotificationsSent = "perfkit.monitoring.notifications.sent";

        /// <summary>Counter: notifications given up on, by notifier and <c>reason</c> (<c>exhausted</c>: attempts or age used up; <c>rejected</c>: the receiver refused and a retry cannot help).</summary>
        public const string NotificationsFailed = "perfkit.monitoring.notifications.failed";

        /// <summary>Counter: retries of a notification after a failed attempt, by notifier.</summary>
        public const string NotificationsRetried = "perfkit.monitoring.notifications.retries";

        /// <summary>Counter: waiting groups dropped from a full outbox (the oldest first), by notifier.</summary>
        public const string NotificationsDropped = "perfkit.monitoring.notifications.dropped";

        /// <summary>Up-down counter: groups waiting in a notifier's outbox, by notifier.</summary>
        public const string NotificationQueueDepth = "perfkit.monitoring.notifications.queue.depth";
    }

    // Tags of notifications.
    public static partial class Tags
    {
        /// <summary>The notifier's name (<see cref="Notifications.IAlertNotifier.Name"/>).</summary>
        public const string NotifierName = "perfkit.notifier.name";

        /// <summary>Why a notification failed: <c>exhausted</c> or <c>rejected</c> (the shared <c>reason</c> tag).</summary>
        public const string NotificationFailureReason = "reason";
    }
}
