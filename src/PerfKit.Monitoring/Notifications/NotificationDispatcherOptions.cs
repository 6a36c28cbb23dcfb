namespace PerfKit.Monitoring.Notifications;

/// <summary>
/// How the <see cref="NotificationDispatcher"/> groups, repeats, queues and retries notifications. The names and
/// defaults follow Alertmanager's route settings (<c>group_wait</c>, <c>group_interval</c>, <c>repeat_interval</c>),
/// so a team that knows one knows the other.
/// </summary>
public sealed class NotificationDispatcherOptions
{
    /// <summary>The default of <see cref="GroupWait"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultGroupWait = TimeSpan.FromSeconds(30);

    /// <summary>The default of <see cref="GroupInterval"/>: 5 minutes.</summary>
    public static readonly TimeSpan DefaultGroupInterval = TimeSpan.FromMinutes(5);

    /// <summary>The default of <see cref="RepeatInterval"/>: 4 hours.</summary>
    public static readonly TimeSpan DefaultRepeatInterval = TimeSpan.FromHours(4);

    /// <summary>The longest <see cref="GroupWait"/>, <see cref="GroupInterval"/> and <see cref="RepeatInterval"/>: 30 days.</summary>
    public static readonly TimeSpan MaximumInterval = TimeSpan.FromDays(30);

    /// <summary>The default of <see cref="QueueCapacity"/>: 100 groups per notifier.</summary>
    public const int DefaultQueueCapacity = 100;

    /// <summary>The largest <see cref="QueueCapacity"/>.</summary>
    public const int MaximumQueueCapacity = 100_000;

    /// <summary>The default of <see cref="MaxAttempts"/>: 5.</summary>
    public const int DefaultMaxAttempts = 5;

    /// <summary>The largest <see cref="MaxAttempts"/>.</summary>
    public const int MaximumMaxAttempts = 100;

    /// <summary>The default of <see cref="InitialRetryDelay"/>: 1 second.</summary>
    public static readonly TimeSpan DefaultInitialRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>The default of <see cref="MaxRetryDelay"/>: 1 minute.</summary>
    public static readonly TimeSpan DefaultMaxRetryDelay = TimeSpan.FromMinutes(1);

    /// <summary>The default of <see cref="MaxRetryAge"/>: 5 minutes.</summary>
    public static readonly TimeSpan DefaultMaxRetryAge = TimeSpan.FromMinutes(5);

    /// <summary>The default of <see cref="SendTimeout"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultSendTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The longest <see cref="SendTimeout"/>, <see cref="MaxRetryDelay"/> and <see cref="MaxRetryAge"/>: 1 day.</summary>
    public static readonly TimeSpan MaximumRetryTime = TimeSpan.FromDays(1);

    /// <summary>
    /// How long a new group waits before its first notification, so that alerts raised together arrive together.
    /// 0 sends at once. Default <see cref="DefaultGroupWait"/>.
    /// </summary>
    public TimeSpan GroupWait { get; set; } = DefaultGroupWait;

    /// <summary>
    /// The shortest time between two notifications of one group: a change (a new alert, a resolve) after a notification
    /// waits until this much time has passed since the group was last flushed. Default <see cref="DefaultGroupInterval"/>.
    /// </summary>
    public TimeSpan GroupInterval { get; set; } = DefaultGroupInterval;

    /// <summary>
    /// How long after a delivered notification a group whose alerts are still firing is sent again (at least
    /// <see cref="GroupInterval"/>). Default <see cref="DefaultRepeatInterval"/>.
    /// </summary>
    public TimeSpan RepeatInterval { get; set; } = DefaultRepeatInterval;

    /// <summary>
    /// The label names that form a group; alerts with the same values of these labels are sent together. Empty (the
    /// default) groups by rule: the <c>alertname</c> label, that is <see cref="AlertNotification.RuleName"/>.
    /// A label an alert does not have counts as empty.
    /// </summary>
    public IList<string> GroupBy { get; set; } = [];

    /// <summary>
    /// How many groups may wait in each notifier's outbox. When a receiver is down and the outbox is full, the oldest
    /// waiting group is dropped (counted in <c>perfkit.monitoring.notifications.dropped</c>); <see cref="NotificationDispatcher.Publish"/>
    /// never waits. Default <see cref="DefaultQueueCapacity"/>.
    /// </summary>
    public int QueueCapacity { get; set; } = DefaultQueueCapacity;

    /// <summary>How many times one notification is tried (the first attempt included) before it counts as failed. Default <see cref="DefaultMaxAttempts"/>.</summary>
    public int MaxAttempts { get; set; } = DefaultMaxAttempts;

    /// <summary>The backoff before the second attempt; each later one doubles, with jitter, up to <see cref="MaxRetryDelay"/>. Default <see cref="DefaultInitialRetryDelay"/>.</summary>
    public TimeSpan InitialRetryDelay { get; set; } = DefaultInitialRetryDelay;

    /// <summary>The longest backoff between two attempts (a receiver's <c>Retry-After</c> may ask for longer). Default <see cref="DefaultMaxRetryDelay"/>.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = DefaultMaxRetryDelay;

    /// <summary>How long after its first attempt a notification is still retried; a retry that would start later is not made. Default <see cref="DefaultMaxRetryAge"/>.</summary>
    public TimeSpan MaxRetryAge { get; set; } = DefaultMaxRetryAge;

    /// <summary>
    /// How long one call of <see cref="IAlertNotifier.SendAsync"/> may take before it is cancelled and counted as a
    /// transient failure. A call that ignores its token is no longer waited for then: it is left running (at most one
    /// per notifier; the notifier is not called again until it ends). Default <see cref="DefaultSendTimeout"/>.
    /// </summary>
    public TimeSpan SendTimeout { get; set; } = DefaultSendTimeout;
}
