using PerfKit.Monitoring.Internal;

namespace PerfKit.Monitoring.Notifications;

// Delivery of one group to one notifier: snapshot, attempts, retries, and what a delivery or a failure changes.
public sealed partial class NotificationDispatcher
{
    private async Task<string?> DeliverAsync(Channel channel, Group group, CancellationToken stopping)
    {
        var firstAttemptAt = _time.GetUtcNow();
        for (var attempt = 1; ; attempt++)
        {
            Batch? batch;
            lock (_sync)
            {
                batch = Snapshot(channel, group, _time.GetUtcNow());
            }

            if (batch is null)
            {
                return DispatcherEvent.Skipped;
            }

            Exception failure;
            try
            {
                if (channel.Abandoned is { IsCompleted: false } abandoned)
                {
                    // At most one abandoned call per notifier: the attempt waits (at most the send timeout) for it to
                    // end (a call that honours its token ends at once), and fails without calling if it does not.
                    var ended = abandoned.WaitAsync(_sendTimeout, _time, stopping);
                    Observer?.Invoke(new DispatcherEvent(channel.Name, DispatcherEvent.AbandonedWait, _sendTimeout));
                    try
                    {
                        await ended.ConfigureAwait(false);
                    }
                    catch (TimeoutException ex)
                    {
                        throw new AlertDeliveryException($"Notifier '{channel.Name}' is still running a call abandoned after {_sendTimeout}; it is not called again until that call ends.", ex);
                    }
                }

                channel.Abandoned = null;
                using var timeout = new CancellationTokenSource(_sendTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
                var send = channel.Notifier.SendAsync(new AlertGroup(group.Key, group.Labels, batch.Alerts), linked.Token);
                try
                {
                    // The wait ends at the timeout even when the notifier ignores its token.
                    await send.WaitAsync(linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !stopping.IsCancellationRequested)
                {
                    throw new AlertDeliveryException($"Notifier '{channel.Name}' did not finish within {_sendTimeout}.", ex);
                }
                finally
                {
                    if (!send.IsCompleted)
                    {
                        channel.Abandoned = Observe(send);
                        if (!stopping.IsCancellationRequested)
                        {
                            Log.NotificationCallAbandoned(_logger, channel.Name, group.Key, _sendTimeout);
                        }
                    }
                }

                lock (_sync)
                {
                    OnDelivered(channel, group, batch, _time.GetUtcNow());
                }

                _metrics.Sent.Add(1, channel.Tag);
                Log.NotificationDelivered(_logger, channel.Name, group.Key, batch.Firing.Count, batch.Resolved.Count);
                return DispatcherEvent.Sent;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return null;
            }
#pragma warning disable CA1031 // Any failure of a notifier is retried or counted, never thrown.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failure = ex;
            }

            var now = _time.GetUtcNow();
            var delivery = failure as AlertDeliveryException;
            var transient = delivery is null || delivery.IsTransient;
            var delay = Backoff(attempt);
            if (delivery?.RetryAfter is { } retryAfter && retryAfter > delay)
            {
                delay = retryAfter;
            }

            if (!transient || attempt >= _maxAttempts || now + delay - firstAttemptAt > _maxRetryAge)
            {
                var reason = transient ? "exhausted" : "rejected";
                _metrics.Failed.Add(1, channel.Tag, new KeyValuePair<string, object?>(PerfKitMonitoringDiagnostics.Tags.NotificationFailureReason, reason));
                Log.NotificationFailed(_logger, failure, channel.Name, group.Key, attempt, reason);
                lock (_sync)
                {
                    OnFailed(group, now, delivery?.RetryAfter is { } asked ? now + asked : null);
                }

                return DispatcherEvent.Failed;
            }

            _metrics.Retried.Add(1, channel.Tag);
            Log.NotificationRetrying(_logger, failure, channel.Name, group.Key, attempt, delay.TotalMilliseconds);
            var wait = Task.Delay(delay, _time, stopping);
            Observer?.Invoke(new DispatcherEvent(channel.Name, DispatcherEvent.RetryWait, delay));
            try
            {
                await wait.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
    }

    /// <summary>A task that ends with <paramref name="abandoned"/> and never faults: the abandoned call's exception is observed.</summary>
    private static Task Observe(Task abandoned) => abandoned.ContinueWith(
        static t => _ = t.Exception,
        CancellationToken.None,
        TaskContinuationOptions.ExecuteSynchronously,
        TaskScheduler.Default);

    private TimeSpan Backoff(int attempt)
    {
        // Exponential, capped, with "equal jitter": a random point in the upper half, so receivers that come back are
        // not hit by every replica at once, yet the wait never collapses to nothing.
        var exponent = Math.Min(attempt - 1, 30);
        var ticks = Math.Min(_initialRetryDelay.Ticks * Math.Pow(2, exponent), _maxRetryDelay.Ticks);
#pragma warning disable CA5394 // Jitter needs no cryptographic randomness.
        var jittered = ticks * (0.5 + (Random.Shared.NextDouble() * 0.5));
#pragma warning restore CA5394
        return TimeSpan.FromMilliseconds(Math.Max(1, Math.Ceiling(jittered / TimeSpan.TicksPerMillisecond)));
    }

    private Batch? Snapshot(Channel channel, Group group, DateTimeOffset now)
    {
        if (_disposed)
        {
            return null;
        }

        var firing = new List<Track>();
        var resolved = new List<Track>();
        var anyNew = false;
        foreach (var fingerprint in group.Fingerprints.ToArray())
        {
            var track = channel.Tracks[fingerprint];
            if (track.Latest.Status == AlertStatus.Firing)
            {
                firing.Add(track);
                anyNew |= !track.Delivered;
            }
            else if (track.Delivered)
            {
                resolved.Add(track);
            }
            else
            {
                // Resolved before its firing was delivered: the receiver never knew, so neither is sent.
                channel.Tracks.Remove(fingerprint);
                group.Fingerprints.Remove(fingerprint);
            }
        }

        var repeatDue = firing.Count > 0 && group.LastSentAt is { } sent && now - sent >= _repeatInterval;
        if (!anyNew && resolved.Count == 0 && !repeatDue)
        {
            return null;
        }

        var ordered = firing.Concat(resolved)
            .OrderBy(static t => t.Latest.StartsAt)
            .ThenBy(static t => t.Latest.Fingerprint, StringComparer.Ordinal)
            .ToArray();
        return new Batch(firing, resolved, [.. ordered.Select(static t => t.Latest)], [.. ordered]);
    }

    private void OnDelivered(Channel channel, Group group, Batch batch, DateTimeOffset now)
    {
        group.LastSentAt = now;
        group.NotBefore = null;
        channel.DropBurst = false;
        for (var i = 0; i < batch.Tracks.Length; i++)
        {
            var track = batch.Tracks[i];
            var sent = batch.Alerts[i];
            if (!channel.Tracks.TryGetValue(sent.Fingerprint, out var current) || !ReferenceEquals(current, track))
            {
                continue;
            }

            if (sent.Status == AlertStatus.Firing)
            {
                // The receiver now sees it firing, even if it resolved meanwhile: that resolve is sent next.
                track.Delivered = true;
            }
            else if (track.Latest.Status == AlertStatus.Resolved)
            {
                channel.Tracks.Remove(sent.Fingerprint);
                group.Fingerprints.Remove(sent.Fingerprint);
            }
            else
            {
                // Fired again after this resolve was taken: a new episode, whose firing is still to send.
                track.Delivered = false;
                group.Dirty = true;
            }
        }
    }

    private void OnFailed(Group group, DateTimeOffset now, DateTimeOffset? retryAt)
    {
        // As Alertmanager: a group that failed is tried again at its next group interval, with its state then; not
        // before the time the receiver's last Retry-After asked for.
        group.NotBefore = retryAt;
        group.DueAt = Max(now + _groupInterval, retryAt ?? now);
        Schedule(group.DueAt.Value, now);
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private sealed class Channel(IAlertNotifier notifier)
    {
        public IAlertNotifier Notifier { get; } = notifier;

        public string Name { get; } = notifier.Name;

        public KeyValuePair<string, object?> Tag { get; } = new(PerfKitMonitoringDiagnostics.Tags.NotifierName, notifier.Name);

        public Dictionary<string, Track> Tracks { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, Group> Groups { get; } = new(StringComparer.Ordinal);

        public LinkedList<Group> Outbox { get; } = new();

        public SemaphoreSlim Signal { get; } = new(0);

        public Task? Worker { get; set; }

        /// <summary>A call that ignored its token and was left running at the send timeout, until it ends.</summary>
        public Task? Abandoned { get; set; }

        public bool DropBurst { get; set; }
    }

    private sealed class Group(string key, IReadOnlyDictionary<string, string> labels)
    {
        public string Key { get; } = key;

        public IReadOnlyDictionary<string, string> Labels { get; } = labels;

        public HashSet<string> Fingerprints { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset? DueAt { get; set; }

        public DateTimeOffset? LastFlushAt { get; set; }

        public DateTimeOffset? LastSentAt { get; set; }

        /// <summary>The earliest next attempt the receiver asked for (its last Retry-After), until a delivery.</summary>
        public DateTimeOffset? NotBefore { get; set; }

        public LinkedListNode<Group>? QueueNode { get; set; }

        public bool InFlight { get; set; }

        public bool Dirty { get; set; }
    }

    private sealed class Track(AlertNotification latest, Group group)
    {
        public AlertNotification Latest { get; set; } = latest;

        public Group Group { get; } = group;

        public bool Delivered { get; set; }
    }

    private sealed record Batch(List<Track> Firing, List<Track> Resolved, AlertNotification[] Alerts, Track[] Tracks);
}
