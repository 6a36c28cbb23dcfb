using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PerfKit.Monitoring.Internal;

namespace PerfKit.Monitoring.Notifications;

/// <summary>
/// The <see cref="IAlertSink"/> that turns the rule engine's transitions into notifications: it deduplicates by
/// fingerprint, groups alerts (by rule, or by <see cref="NotificationDispatcherOptions.GroupBy"/>), waits
/// <see cref="NotificationDispatcherOptions.GroupWait"/> before a new group's first notification and
/// <see cref="NotificationDispatcherOptions.GroupInterval"/> between two notifications of a group, repeats groups still
/// firing every <see cref="NotificationDispatcherOptions.RepeatInterval"/>, and delivers each group to every notifier
/// through a bounded outbox per notifier, with retries (exponential backoff with jitter, bounded in attempts and age)
/// and a timeout per attempt.
/// </summary>
/// <remarks>
/// <para>
/// Guarantees, per notifier: a resolved alert is sent only to a notifier that was delivered its firing; one episode
/// (firing, then resolved) gives at most one firing and one resolved notification besides the repeats, however long a
/// receiver was down; a firing that resolves before it was delivered is sent to no one, nor is its resolve; a group's
/// content is read when an attempt starts, so a retry carries the group's current state rather than an old copy.
/// </para>
/// <para>
/// <see cref="Publish"/> never blocks on a notifier and never throws: it updates the in-memory state under a short
/// lock. Each notifier has its own worker, so a slow or dead receiver delays no other. Pending notifications are not
/// persisted: they are lost when the process stops.
/// </para>
/// </remarks>
public sealed partial class NotificationDispatcher : IAlertSink, IDisposable, IAsyncDisposable
{
    private static readonly TimeSpan LongestTimerWait = TimeSpan.FromHours(1);

    private readonly Lock _sync = new();
    private readonly Channel[] _channels;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly NotificationMetrics _metrics;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ITimer _timer;
    private readonly TimeSpan _groupWait;
    private readonly TimeSpan _groupInterval;
    private readonly TimeSpan _repeatInterval;
    private readonly string[] _groupBy;
    private readonly int _queueCapacity;
    private readonly int _maxAttempts;
    private readonly TimeSpan _initialRetryDelay;
    private readonly TimeSpan _maxRetryDelay;
    private readonly TimeSpan _maxRetryAge;
    private readonly TimeSpan _sendTimeout;
    private DateTimeOffset _timerDueAt = DateTimeOffset.MaxValue;
    private bool _disposed;

    /// <summary>Creates the dispatcher and starts one worker per notifier.</summary>
    /// <param name="notifiers">The channels to deliver to; names must be unique.</param>
    /// <param name="options">Grouping, repeat, queue and retry settings; validated here.</param>
    /// <param name="dependencies">Clock, logging and metrics; <see langword="null"/> for the defaults.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid.</exception>
    /// <exception cref="ArgumentException">Two notifiers have the same name, or one has none.</exception>
    public NotificationDispatcher(IEnumerable<IAlertNotifier> notifiers, NotificationDispatcherOptions options, PerfKitMonitoringDependencies? dependencies = null)
    {
        ArgumentNullException.ThrowIfNull(notifiers);
        NotificationDispatcherOptionsValidator.ThrowIfInvalid(options);
        _groupWait = options.GroupWait;
        _groupInterval = options.GroupInterval;
        _repeatInterval = options.RepeatInterval;
        _groupBy = [.. options.GroupBy];
        _queueCapacity = options.QueueCapacity;
        _maxAttempts = options.MaxAttempts;
        _initialRetryDelay = options.InitialRetryDelay;
        _maxRetryDelay = options.MaxRetryDelay;
        _maxRetryAge = options.MaxRetryAge;
        _sendTimeout = options.SendTimeout;
        _time = dependencies?.TimeProvider ?? TimeProvider.System;
        _logger = (ILogger?)dependencies?.LoggerFactory?.CreateLogger<NotificationDispatcher>() ?? NullLogger.Instance;
        _metrics = NotificationMetrics.For(dependencies?.MeterFactory);

        var list = new List<Channel>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var notifier in notifiers)
        {
            ArgumentNullException.ThrowIfNull(notifier, nameof(notifiers));
            var name = notifier.Name;
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new ArgumentException($"A notifier of type {notifier.GetType().Name} has no name; every IAlertNotifier needs a unique Name.", nameof(notifiers));
            }

            if (!names.Add(name))
            {
                throw new ArgumentException($"Two notifiers are named '{name}'; give each IAlertNotifier a unique Name.", nameof(notifiers));
            }

            list.Add(new Channel(notifier));
        }

        _channels = [.. list];
        _timer = _time.CreateTimer(static s => ((NotificationDispatcher)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        foreach (var channel in _channels)
        {
            channel.Worker = Task.Run(() => RunAsync(channel));
        }
    }

    /// <summary>The names of the notifiers this dispatcher delivers to, in registration order.</summary>
    public IReadOnlyList<string> NotifierNames => [.. _channels.Select(static c => c.Name)];

    /// <summary>Test hook: what the dispatcher holds for one notifier (alerts tracked, groups, groups waiting in the outbox).</summary>
    internal (int Alerts, int Groups, int Waiting) StateOf(string notifier)
    {
        lock (_sync)
        {
            var channel = _channels.Single(c => c.Name == notifier);
            return (channel.Tracks.Count, channel.Groups.Count, channel.Outbox.Count);
        }
    }

    /// <summary>Test hook: told of each dispatcher event (sent, failed, retry-wait with its delay, dropped, skipped).</summary>
    internal Action<DispatcherEvent>? Observer { get; set; }

    /// <summary>
    /// Takes one transition from the rule engine. Never blocks on delivery and never throws: a <see langword="null"/>
    /// notification, or one published after disposal, is ignored.
    /// </summary>
    /// <param name="notification">The transition.</param>
    public void Publish(AlertNotification notification)
    {
        if (notification is null)
        {
            return;
        }

        try
        {
            lock (_sync)
            {
                if (_disposed)
                {
                    return;
                }

                var now = _time.GetUtcNow();
                foreach (var channel in _channels)
                {
                    Accept(channel, notification, now);
                }
            }
        }
#pragma warning disable CA1031 // Publish must not throw into the rule engine.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.NotificationPublishFailed(_logger, ex);
        }
    }

    /// <summary>Stops the workers and the timer, cancelling sends in progress; waiting notifications are dropped. Idempotent.</summary>
    public void Dispose() => Stop();

    /// <summary>
    /// Stops the workers and the timer, cancelling sends in progress, and waits for the workers to end (at most
    /// <see cref="NotificationDispatcherOptions.SendTimeout"/> on the real clock, for a notifier that ignores its
    /// token); waiting notifications are dropped. Idempotent.
    /// </summary>
    /// <returns>A task that completes when the workers have ended.</returns>
    public async ValueTask DisposeAsync()
    {
        if (!Stop())
        {
            return;
        }

        try
        {
            await Task.WhenAll(_channels.Select(static c => c.Worker!)).WaitAsync(_sendTimeout, TimeProvider.System).ConfigureAwait(false);
            _stopping.Dispose();
        }
        catch (TimeoutException)
        {
            // A notifier ignored its cancellation: leave its worker to end on its own.
        }
    }

    private bool Stop()
    {
        lock (_sync)
        {
            if (_disposed)
            {
                return false;
            }

            _disposed = true;
            foreach (var channel in _channels)
            {
                if (channel.Outbox.Count > 0)
                {
                    _metrics.QueueDepth.Add(-channel.Outbox.Count, channel.Tag);
                    channel.Outbox.Clear();
                }
            }
        }

        _timer.Dispose();
        _stopping.Cancel();
        return true;
    }

    private void Accept(Channel channel, AlertNotification notification, DateTimeOffset now)
    {
        channel.Tracks.TryGetValue(notification.Fingerprint, out var track);
        if (notification.Status == AlertStatus.Firing)
        {
            if (track is null)
            {
                var group = GroupFor(channel, notification, now);
                track = new Track(notification, group);
                channel.Tracks.Add(notification.Fingerprint, track);
                group.Fingerprints.Add(notification.Fingerprint);
                MarkChanged(group, now);
            }
            else if (track.Latest.Status == AlertStatus.Resolved)
            {
                // Fired again before its resolve went out: if the firing was delivered the receiver still sees it firing.
                track.Latest = notification;
                MarkChanged(track.Group, now);
            }

            // else: a duplicate of a firing alert (same fingerprint): nothing changes for the receiver.
            return;
        }

        if (track is null || track.Latest.Status == AlertStatus.Resolved)
        {
            // A resolve of an alert this notifier never saw firing, or a duplicate resolve.
            return;
        }

        track.Latest = notification;
        MarkChanged(track.Group, now);
    }

    private Group GroupFor(Channel channel, AlertNotification notification, DateTimeOffset now)
    {
        SortedDictionary<string, string> labels = new(StringComparer.Ordinal);
        if (_groupBy.Length == 0)
        {
            labels["alertname"] = notification.RuleName;
        }
        else
        {
            foreach (var name in _groupBy)
            {
                labels[name] = notification.Labels.TryGetValue(name, out var value) ? value : string.Empty;
            }
        }

        var key = GroupKey(labels);
        if (!channel.Groups.TryGetValue(key, out var group))
        {
            group = new Group(key, new Dictionary<string, string>(labels, StringComparer.Ordinal)) { DueAt = now + _groupWait };
            channel.Groups.Add(key, group);
            Schedule(group.DueAt.Value, now);
        }

        return group;
    }

    private static string GroupKey(SortedDictionary<string, string> labels)
    {
        // Alertmanager's shape: {}:{name="value", ...}
        var builder = new StringBuilder("{}:{");
        var first = true;
        foreach (var (name, value) in labels)
        {
            if (!first)
            {
                builder.Append(", ");
            }

            first = false;
            builder.Append(name).Append("=\"").Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
        }

        return builder.Append('}').ToString();
    }

    private void MarkChanged(Group group, DateTimeOffset now)
    {
        if (group.InFlight)
        {
            group.Dirty = true;
            return;
        }

        if (group.QueueNode is not null)
        {
            return; // already waiting: its content is read when it is sent
        }

        var due = group.LastFlushAt is { } flushed ? Max(now, flushed + _groupInterval) : group.DueAt ?? now + _groupWait;
        if (group.NotBefore is { } notBefore)
        {
            due = Max(due, notBefore);
        }

        group.DueAt = group.DueAt is { } current && current < due ? current : due;
        Schedule(group.DueAt.Value, now);
    }

    private void Schedule(DateTimeOffset due, DateTimeOffset now)
    {
        if (due >= _timerDueAt || _disposed)
        {
            return;
        }

        _timerDueAt = due;
        var wait = due - now;
        _timer.Change(wait < TimeSpan.Zero ? TimeSpan.Zero : wait > LongestTimerWait ? LongestTimerWait : wait, Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        try
        {
            lock (_sync)
            {
                if (_disposed)
                {
                    return;
                }

                var now = _time.GetUtcNow();
                _timerDueAt = DateTimeOffset.MaxValue;
                var next = DateTimeOffset.MaxValue;
                foreach (var channel in _channels)
                {
                    foreach (var group in channel.Groups.Values)
                    {
                        if (group.DueAt is not { } due)
                        {
                            continue;
                        }

                        if (due <= now)
                        {
                            group.DueAt = null;
                            group.LastFlushAt = now;
                            Enqueue(channel, group, now);
                        }
                        else if (due < next)
                        {
                            next = due;
                        }
                    }

                    RemoveEmptyGroups(channel);
                }

                if (next != DateTimeOffset.MaxValue)
                {
                    Schedule(next, now);
                }
            }
        }
#pragma warning disable CA1031 // A timer callback must not throw.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.NotificationPublishFailed(_logger, ex);
        }
    }

    private void Enqueue(Channel channel, Group group, DateTimeOffset now)
    {
        if (group.InFlight)
        {
            group.Dirty = true;
            return;
        }

        if (group.QueueNode is not null)
        {
            return;
        }

        if (channel.Outbox.Count >= _queueCapacity)
        {
            var oldest = channel.Outbox.First!.Value;
            channel.Outbox.RemoveFirst();
            oldest.QueueNode = null;
            _metrics.QueueDepth.Add(-1, channel.Tag);
            Drop(channel, oldest, now);
        }

        group.QueueNode = channel.Outbox.AddLast(group);
        _metrics.QueueDepth.Add(1, channel.Tag);
        channel.Signal.Release();
    }

    private void Drop(Channel channel, Group group, DateTimeOffset now)
    {
        _metrics.Dropped.Add(1, channel.Tag);
        if (!channel.DropBurst)
        {
            channel.DropBurst = true;
            Log.NotificationOutboxFull(_logger, channel.Name, _queueCapacity);
        }

        // A dropped group's resolves are lost (their tracks end here); its firing alerts stay, to be sent with the
        // group's next repeat or change, so that memory is bounded by the live alerts rather than by the outage.
        foreach (var fingerprint in group.Fingerprints.ToArray())
        {
            if (channel.Tracks[fingerprint].Latest.Status == AlertStatus.Resolved)
            {
                channel.Tracks.Remove(fingerprint);
                group.Fingerprints.Remove(fingerprint);
            }
        }

        if (group.Fingerprints.Count > 0)
        {
            group.DueAt = now + _repeatInterval;
            Schedule(group.DueAt.Value, now);
        }

        Observer?.Invoke(new DispatcherEvent(channel.Name, DispatcherEvent.Dropped, TimeSpan.Zero));
    }

    private static void RemoveEmptyGroups(Channel channel)
    {
        List<string>? empty = null;
        foreach (var (key, group) in channel.Groups)
        {
            if (group.Fingerprints.Count == 0 && group.QueueNode is null && !group.InFlight)
            {
                (empty ??= []).Add(key);
            }
        }

        if (empty is not null)
        {
            foreach (var key in empty)
            {
                channel.Groups.Remove(key);
            }
        }
    }

    private async Task RunAsync(Channel channel)
    {
        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await channel.Signal.WaitAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            Group group;
            lock (_sync)
            {
                if (_disposed || channel.Outbox.First is null)
                {
                    continue;
                }

                group = channel.Outbox.First.Value;
                channel.Outbox.RemoveFirst();
                group.QueueNode = null;
                group.InFlight = true;
                _metrics.QueueDepth.Add(-1, channel.Tag);
            }

            var outcome = await DeliverAsync(channel, group, stopping).ConfigureAwait(false);
            lock (_sync)
            {
                group.InFlight = false;
                if (_disposed)
                {
                    return;
                }

                var now = _time.GetUtcNow();
                if (group.Dirty)
                {
                    group.Dirty = false;
                    MarkChanged(group, now);
                }
                else if (group.DueAt is null && group.LastSentAt is { } sent && group.Fingerprints.Count > 0)
                {
                    group.DueAt = sent + _repeatInterval;
                    Schedule(group.DueAt.Value, now);
                }

                RemoveEmptyGroups(channel);
            }

            if (outcome is not null)
            {
                // Told after the group's state is settled, so an observer reads the state the event leads to.
                Observer?.Invoke(new DispatcherEvent(channel.Name, outcome, TimeSpan.Zero));
            }
        }
    }
}
