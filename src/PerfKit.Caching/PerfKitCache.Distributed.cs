using PerfKit.Caching.Distributed;
using PerfKit.Caching.Internal;
using PerfKit.Caching.Serialization;

namespace PerfKit.Caching;

// The L2 tier. Reads go through the circuit breaker (closed → open → one half-open probe); writes, removes and tag
// markers are never skipped: attempted while the breaker is closed, queued in the bounded outbox when L2 does not
// answer or is known to be away, and replayed in order when it answers. Every call is bounded by PerfKitCacheOptions.DistributedCacheTimeout through a token that fires at
// the deadline, and every call abandoned at its deadline is observed. See Internal/README.md ("L2").
public sealed partial class PerfKitCache
{
    private static readonly Action<Task> ObserveFault = static t => _ = t.Exception;

    private readonly IDistributedCacheStore? _store;
    private readonly ICacheSerializer _serializer;
    private readonly DistributedCircuit _circuit;
    private readonly DistributedOutbox _outbox;
    private readonly DistributedLog _l2Log;
    private readonly Lock _replaySync = new();
    private ITimer? _replayTimer;
    private bool _replayArmed;
    private int _replaying;

    private enum L2Outcome
    {
        Ok,
        KeyError,
        Unavailable,
    }

    /// <summary>L2 writes, removes and tag markers waiting for L2 to answer again (see <see cref="PerfKitCacheOptions.DistributedOutboxCapacity"/>).</summary>
    public int PendingDistributedOperations => _outbox.Count;

    private bool HasDistributed => _store is not null;

    private async ValueTask<(CacheEntry? Fresh, CacheEntry? Stale, bool Unavailable)> ReadDistributedAsync<T>(string key, CacheEntryOptions options, CancellationToken cancellationToken)
    {
        var l2Key = _options.DistributedKeyPrefix + key;

        // A queued write or remove of this key is newer than what L2 holds: L2's copy must not come back into L1.
        if (_outbox.HasPendingKey(l2Key))
        {
            _metrics.Request("l2", "pending");
            return default;
        }

        if (!_circuit.TryEnterRead(_clock.NowMs, out var probe))
        {
            _metrics.Request("l2", "skipped");
            return (null, null, true);
        }

        (L2Outcome outcome, byte[]? bytes) result;
        try
        {
            result = await CallStoreAsync("get", l2Key, static (store, k, ct) => store.GetAsync(k, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (probe)
        {
            _circuit.AbandonProbe();
            throw;
        }

        switch (result.outcome)
        {
            case L2Outcome.Unavailable:
                return (null, null, true);
            case L2Outcome.KeyError:
                // One bad key is that key's problem: delete it (queued if L2 is away), so the next write starts clean.
                await ExecuteAsync(DistributedOperation.Remove(l2Key)).ConfigureAwait(false);
                return default;
        }

        if (result.bytes is not { } bytes)
        {
            _metrics.Request("l2", "miss");
            return default;
        }

        var (fresh, stale) = await DecodeDistributedAsync<T>(key, bytes, options, cancellationToken).ConfigureAwait(false);
        return (fresh, stale, false);
    }

    /// <summary>Turns an L2 payload into an entry: fresh, stale (within its staleness), or neither (unreadable, tag-invalidated, too old).</summary>
    private async ValueTask<(CacheEntry? Fresh, CacheEntry? Stale)> DecodeDistributedAsync<T>(string key, byte[] bytes, CacheEntryOptions options, CancellationToken cancellationToken)
    {
        Envelope.Header header;
        T value;
        try
        {
            if (!Envelope.TryRead(_serializer, bytes, out header, out value))
            {
                _l2Log.PayloadUnreadable(null, key);
                _metrics.Request("l2", "unreadable");
                return default;
            }
        }
#pragma warning disable CA1031 // Any deserialization failure is a miss; the factory's result overwrites it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _l2Log.PayloadUnreadable(ex, key);
            _metrics.Request("l2", "unreadable");
            return default;
        }

        if (header.Tags is { } tags && !await DistributedTagsValidAsync(tags, header.CreatedUtcMs, cancellationToken).ConfigureAwait(false))
        {
            _metrics.Request("l2", "miss");
            return default;
        }

        // Translate the UTC times of the payload to this process's clock.
        var utcNow = _clock.UtcNowMs;
        var now = _clock.NowMs;
        var eagerAt = options.EagerRefreshThreshold is { } threshold
            ? now + (header.CreatedUtcMs + (long)((header.ExpiresUtcMs - header.CreatedUtcMs) * threshold) - utcNow)
            : long.MaxValue;
        var entry = new CacheEntry(key, value, now + (header.ExpiresUtcMs - utcNow), now + (header.StaleUntilUtcMs - utcNow), eagerAt, header.CreatedUtcMs, header.Tags, header.Size)
        {
            RevalidateAt = RevalidateAt(now),
        };
        if (utcNow < header.ExpiresUtcMs)
        {
            _metrics.Request("l2", "hit");
            return (entry, null);
        }

        _metrics.Request("l2", "stale");
        return utcNow < header.StaleUntilUtcMs ? (null, entry) : default;
    }

    private async ValueTask<bool> DistributedTagsValidAsync(string[] tags, long createdUtcMs, CancellationToken cancellationToken)
    {
        foreach (var tag in tags)
        {
            if (_tags.InvalidatedAfter(tag, createdUtcMs))
            {
                return false;
            }
        }

        // All of the entry's markers in one round trip.
        var names = new string[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            names[i] = _options.DistributedKeyPrefix + tags[i];
        }

        var (outcome, markers) = await CallStoreAsync("get-tags", names, static (store, n, ct) => store.GetTagInvalidationsAsync(n, ct), cancellationToken).ConfigureAwait(false);
        if (outcome == L2Outcome.KeyError)
        {
            // A marker the store cannot read (garbage, another type) would make every entry with the tag a miss on every
            // node for good. Its time is unknown, so the safe repair is an invalidation now: entries of these tags made
            // before it are misses once (as they are already), and the marker is readable again.
            var now = _clock.UtcNowMs;
            foreach (var name in names)
            {
                await ExecuteAsync(DistributedOperation.Tag(name, now)).ConfigureAwait(false);
            }

            return false;
        }

        if (outcome != L2Outcome.Ok || markers is null || markers.Length != tags.Length)
        {
            // Markers that cannot be read leave the entry unproven: a miss, and the factory decides.
            return false;
        }

        var valid = true;
        for (var i = 0; i < tags.Length; i++)
        {
            if (markers[i] > 0)
            {
                _tags.Record(tags[i], markers[i], _clock.UtcNowMs);
                valid &= createdUtcMs > markers[i];
            }
        }

        return valid;
    }

    /// <returns>True if L2 holds the entry now (false: queued for replay, or refused).</returns>
    private async ValueTask<bool> WriteDistributedAsync<T>(CacheEntry entry, T value)
    {
        var now = _clock.NowMs;
        var ttlMs = entry.StaleUntil - now;
        var utcNow = _clock.UtcNowMs;
        var l2Key = _options.DistributedKeyPrefix + entry.Key;
        if (ttlMs <= 0)
        {
            return await ExecuteAsync(DistributedOperation.Remove(l2Key)).ConfigureAwait(false);
        }

        byte[] payload;
        try
        {
            payload = Envelope.Write(_serializer, value, entry.CreatedUtcMs, utcNow + (entry.ExpiresAt - now), utcNow + ttlMs, entry.Tags, entry.Size);
        }
#pragma warning disable CA1031 // A value that cannot be serialized stays in L1 only; L2's older value must not outlive it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _l2Log.PayloadUnwritable(ex, entry.Key);
            _metrics.Add(_metrics.Instruments.DistributedErrors, "operation", "set", "kind", "serialize");
            return await ExecuteAsync(DistributedOperation.Remove(l2Key)).ConfigureAwait(false);
        }

        return await ExecuteAsync(DistributedOperation.Set(l2Key, payload, utcNow + ttlMs)).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a write, remove or tag marker now, bounded by the timeout; if L2 does not answer, queues it for replay.
    /// While the breaker is open (L2 known to be away) it is queued at once: never skipped, but not made to wait a full
    /// timeout per call either; the replay at the end of the break is its attempt. It is also queued while an older
    /// operation on the same key or tag waits in the outbox, so that one replay loop keeps each key's order.
    /// </summary>
    /// <returns>True if L2 has it now.</returns>
    private async ValueTask<bool> ExecuteAsync(DistributedOperation operation)
    {
        // With an older operation on the same key still queued (or being replayed right now), this one must follow it
        // through the outbox: sent directly, it could reach L2 before the replay sends the older one, which would win.
        if (!_circuit.IsClosed || _outbox.HasPending(operation.Id))
        {
            Enqueue(operation);
            return false;
        }

        var outcome = await RunAsync(operation).ConfigureAwait(false);
        switch (outcome)
        {
            case L2Outcome.Ok:
                _outbox.Supersede(operation);
                return true;
            case L2Outcome.KeyError:
                // The store refuses this key (for example a payload over its size limit): retrying cannot help.
                _outbox.Supersede(operation);
                _metrics.Add(_metrics.Instruments.OutboxDropped, "operation", operation.OperationName, "reason", "key");
                return false;
            default:
                Enqueue(operation);
                return false;
        }
    }

    private ValueTask<L2Outcome> RunAsync(DistributedOperation operation)
    {
        var ttlMs = operation.Kind switch
        {
            DistributedOperationKind.Set => operation.TimeUtcMs - _clock.UtcNowMs,
            DistributedOperationKind.Tag => (long)_options.MaximumEntryLifetime.TotalMilliseconds,
            _ => 0,
        };

        return operation.Kind switch
        {
            DistributedOperationKind.Set when ttlMs > 0 => Outcome(CallStoreAsync("set", (operation, ttlMs), static (store, a, ct) => Done(store.SetAsync(a.operation.Name, a.operation.Payload!, TimeSpan.FromMilliseconds(a.ttlMs), ct)), CancellationToken.None)),
            DistributedOperationKind.Tag => Outcome(CallStoreAsync("set-tag", (operation, ttlMs), static (store, a, ct) => Done(store.SetTagInvalidationAsync(a.operation.Name, a.operation.TimeUtcMs, TimeSpan.FromMilliseconds(a.ttlMs), ct)), CancellationToken.None)),

            // A remove, or a queued write whose entry has expired meanwhile: it must still remove the older value L2 holds.
            _ => Outcome(CallStoreAsync("remove", operation.Name, static (store, k, ct) => Done(store.RemoveAsync(k, ct)), CancellationToken.None)),
        };

        static async ValueTask<L2Outcome> Outcome(ValueTask<(L2Outcome Outcome, bool Done)> call) => (await call.ConfigureAwait(false)).Outcome;

        static async ValueTask<bool> Done(ValueTask call)
        {
            await call.ConfigureAwait(false);
            return true;
        }
    }

    private void Enqueue(DistributedOperation operation)
    {
        if (_disposed)
        {
            _metrics.Add(_metrics.Instruments.OutboxDropped, "operation", operation.OperationName, "reason", "disposed");
            _l2Log.Dropped(operation, "the cache is disposed");
            return;
        }

        _metrics.Add(_metrics.Instruments.OutboxQueued, "operation", operation.OperationName);
        if (_outbox.Enqueue(operation) is { } dropped)
        {
            foreach (var one in dropped)
            {
                _metrics.Add(_metrics.Instruments.OutboxDropped, "operation", one.OperationName, "reason", "full");
                _l2Log.Dropped(one, $"the outbox is full (PerfKitCacheOptions.DistributedOutboxCapacity = {_outbox.Capacity} operations, DistributedOutboxMaximumBytes = {_outbox.MaximumBytes})");
            }
        }

        ArmReplay();
    }

    /// <summary>
    /// How long after a failed write, or a failed replay, the outbox is tried again: the L2 timeout (at least 100 ms),
    /// never longer than the break. A replay runs in the background, so trying sooner than the readers' break costs no
    /// caller anything, and after a blip the queued writes (and with them the other nodes) catch up within about a
    /// timeout instead of a whole break.
    /// </summary>
    private TimeSpan ReplayDelay
    {
        get
        {
            var delay = _options.DistributedCacheTimeout < TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : _options.DistributedCacheTimeout;
            return _options.DistributedCacheBreakDuration > TimeSpan.Zero && _options.DistributedCacheBreakDuration < delay ? _options.DistributedCacheBreakDuration : delay;
        }
    }

    /// <summary>Schedules a replay <see cref="ReplayDelay"/> from now, unless one is already scheduled (new writes must not keep pushing it back).</summary>
    private void ArmReplay()
    {
        lock (_replaySync)
        {
            if (_disposed || _replayArmed)
            {
                return;
            }

            _replayArmed = true;
            _replayTimer ??= _clock.TimeProvider.CreateTimer(static state => ((PerfKitCache)state!).OnReplayTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _replayTimer.Change(ReplayDelay, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnReplayTimer()
    {
        lock (_replaySync)
        {
            _replayArmed = false;
        }

        StartReplay();
    }

    private void StartReplay()
    {
        if (_outbox.Count > 0 && !_disposed && Interlocked.CompareExchange(ref _replaying, 1, 0) == 0)
        {
            ReplayAsync().AsTask().ContinueWith(ObserveFault, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>Replays the outbox in order; stops at the first operation L2 does not answer, and tries again after a break.</summary>
    private async ValueTask ReplayAsync()
    {
        await Task.Yield();
        var replayed = 0;
        try
        {
            while (!_disposed && _outbox.Peek() is { } operation)
            {
                var outcome = await RunAsync(operation).ConfigureAwait(false);
                if (outcome == L2Outcome.Unavailable)
                {
                    break;
                }

                if (!_outbox.Complete(operation))
                {
                    continue; // a newer operation on the key replaced it while it ran; that one comes later
                }

                if (outcome == L2Outcome.KeyError)
                {
                    _metrics.Add(_metrics.Instruments.OutboxDropped, "operation", operation.OperationName, "reason", "key");
                    continue;
                }

                replayed++;
                _metrics.Add(_metrics.Instruments.OutboxReplayed, "operation", operation.OperationName);

                // The other nodes were probably not told while L2 and the backplane were away: tell them now.
                await PublishAfterWriteAsync(operation).ConfigureAwait(false);
            }
        }
        finally
        {
            Volatile.Write(ref _replaying, 0);
            if (replayed > 0)
            {
                _l2Log.Replayed(replayed, _outbox.Count);
            }

            if (_outbox.Count > 0)
            {
                ArmReplay();
            }
        }
    }

    private ValueTask PublishAfterWriteAsync(DistributedOperation operation)
    {
        if (_backplane is null)
        {
            return ValueTask.CompletedTask;
        }

        var prefix = _options.DistributedKeyPrefix.Length;
        return operation.Kind == DistributedOperationKind.Tag
            ? PublishAsync(CacheInvalidationKind.Tag, operation.Name[prefix..])
            : PublishAsync(CacheInvalidationKind.Key, operation.Name[prefix..]);
    }

    /// <summary>
    /// One L2 call, bounded by the timeout through a token that fires at the deadline (so a client that honours tokens
    /// stops working, not only this wait), never throwing L2 errors: the outcome says what happened. A call abandoned
    /// at its deadline is observed, so its late fault is never unobserved. Only the caller's own cancellation throws.
    /// </summary>
    private async ValueTask<(L2Outcome Outcome, TResult? Value)> CallStoreAsync<TArg, TResult>(string operation, TArg argument, Func<IDistributedCacheStore, TArg, CancellationToken, ValueTask<TResult>> call, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(_options.DistributedCacheTimeout, _clock.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken, _disposeCts.Token);
        ValueTask<TResult> pending;
        try
        {
            pending = call(_store!, argument, linked.Token);
        }
#pragma warning disable CA1031 // A store that throws synchronously is treated like one whose call faults.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            pending = ValueTask.FromException<TResult>(ex);
        }

        if (pending.IsCompletedSuccessfully)
        {
            OnStoreSuccess();
            return (L2Outcome.Ok, pending.Result);
        }

        var task = pending.AsTask();
        try
        {
            var value = await task.WaitAsync(linked.Token).ConfigureAwait(false);
            OnStoreSuccess();
            return (L2Outcome.Ok, value);
        }
#pragma warning disable CA1031 // L2 errors never reach callers: the cache serves from L1 and factories, and queues writes.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            if (!task.IsCompleted)
            {
                _ = task.ContinueWith(ObserveFault, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (_disposeCts.IsCancellationRequested)
            {
                return (L2Outcome.Unavailable, default);
            }

            var error = task.IsFaulted ? task.Exception!.InnerException! : ex;
            if (error is DistributedCacheKeyException)
            {
                // The store answered: it is reachable, whatever it thinks of this key (this also ends a half-open probe).
                OnStoreSuccess();
                _metrics.Add(_metrics.Instruments.DistributedErrors, "operation", operation, "kind", "key");
                _l2Log.KeyError(error, operation);
                return (L2Outcome.KeyError, default);
            }

            var timedOut = deadline.IsCancellationRequested;
            _metrics.Add(_metrics.Instruments.DistributedErrors, "operation", operation, "kind", timedOut ? "timeout" : "unavailable");
            var opened = _circuit.OnFailure(_clock.NowMs);
            _l2Log.Unavailable(error, operation, timedOut, opened);
            return (L2Outcome.Unavailable, default);
        }
    }

    private void OnStoreSuccess()
    {
        if (_circuit.OnSuccess())
        {
            _l2Log.Recovered(_outbox.Count);
        }

        if (_outbox.Count > 0 && Volatile.Read(ref _replaying) == 0)
        {
            StartReplay();
        }
    }

    private void DropOutboxOnDispose()
    {
        lock (_replaySync)
        {
            _replayTimer?.Dispose();
        }

        var left = _outbox.Drain();
        foreach (var operation in left)
        {
            _metrics.Add(_metrics.Instruments.OutboxDropped, "operation", operation.OperationName, "reason", "disposed");
        }

        if (left.Count > 0)
        {
            _l2Log.DroppedOnDispose(left.Count);
        }
    }
}
