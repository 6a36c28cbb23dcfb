using System.Diagnostics;
using PerfKit.Caching.Internal;

namespace PerfKit.Caching;

public sealed partial class PerfKitCache
{
    private ValueTask<T> GetOrCreateSlowAsync<TState, T>(string key, TState state, Func<CacheFactoryContext, TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        ValidateEntryOptions(options);
        if (options.Size > _options.MaximumEntrySize)
        {
            return ValueTask.FromException<T>(TooLarge(key, options.Size));
        }

        while (true)
        {
            // Add first: on a miss (the common case here) one lookup instead of two.
            var load = new InFlight();
            if (!_inflight.TryAdd(key, load))
            {
                if (_inflight.TryGetValue(key, out var running))
                {
                    _metrics.Add(_metrics.Instruments.CoalescedWaits);
                    return JoinLoadAsync(running, key, state, factory, options, cancellationToken);
                }

                continue;
            }

            var loading = LoadAsync(key, state, factory, options, readDistributed: true, refreshing: null, load);
            if (load.TryGetOutcome(out var entry, out var error))
            {
                // Completed synchronously (the usual miss with a synchronous or cached answer): no task, no wait.
                if (error is not null)
                {
                    return ValueTask.FromException<T>(error.SourceException);
                }

                TryCast(entry!.Value, out T value);
                return new ValueTask<T>(entry.CopyOnRead ? Copy(value) : value);
            }

            // The caller that started the load awaits the load itself: its continuation runs as the load ends, without
            // the hop to the thread pool that the waiters' shared task makes (measured: ~5 us per L2 hit from Redis).
            return AwaitOwnLoadAsync<T>(loading, load, cancellationToken);
        }
    }

    private async ValueTask<T> AwaitOwnLoadAsync<T>(Task running, InFlight load, CancellationToken cancellationToken)
    {
        // LoadAsync never throws, and settles the load (value or error) before it ends.
        await running.WaitAsync(cancellationToken).ConfigureAwait(false);
        load.TryGetOutcome(out var entry, out var error);
        error?.Throw();
        TryCast(entry!.Value, out T value);
        return entry.CopyOnRead ? Copy(value) : value;
    }

    private async ValueTask<T> AwaitLoadAsync<T>(Task<CacheEntry> load, CancellationToken cancellationToken)
    {
        var entry = await load.WaitAsync(cancellationToken).ConfigureAwait(false);
        TryCast(entry.Value, out T value);
        return entry.CopyOnRead ? Copy(value) : value;
    }

    /// <summary>
    /// Waits for the load already running for the key. If that load produced a value of another type (the key is read
    /// as two types), this caller's own load follows, so it gets a <typeparamref name="T"/> from its own factory,
    /// never a silent <c>default</c>.
    /// </summary>
    private async ValueTask<T> JoinLoadAsync<TState, T>(InFlight running, string key, TState state, Func<CacheFactoryContext, TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options, CancellationToken cancellationToken)
    {
        var entry = await running.WaitAsync().WaitAsync(cancellationToken).ConfigureAwait(false);

        // Absent: a GetOrCreateManyAsync factory gave no value for the key; this caller asks its own factory.
        if (!ReferenceEquals(entry.Value, Absent) && TryCast(entry.Value, out T value))
        {
            return entry.CopyOnRead ? Copy(value) : value;
        }

        return await GetOrCreateSlowAsync(key, state, factory, options, cancellationToken).ConfigureAwait(false);
    }

    private void StartEagerRefresh<TState, T>(string key, TState state, Func<CacheFactoryContext, TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options, CacheEntry current)
    {
        if (!_inflight.ContainsKey(key))
        {
            var load = new InFlight();
            if (_inflight.TryAdd(key, load))
            {
                // On the thread pool, not inline: a factory that blocks before its first await (or a synchronous one)
                // would otherwise hold up the caller this hit is serving.
                ThreadPool.UnsafeQueueUserWorkItem(
                    static s => _ = s.Cache.LoadAsync(s.Key, s.State, s.Factory, s.Options, readDistributed: false, refreshing: s.Current, s.Load),
                    (Cache: this, Key: key, State: state, Factory: factory, Options: options, Current: current, Load: load),
                    preferLocal: false);
            }
        }
    }

    // refreshing: for an eager refresh, the entry being refreshed (its next refresh is pushed back if this one fails).
    // Never throws: every outcome settles the load. Without an L2 read, a synchronous factory finishes here without
    // an async state machine (the common L1-only miss).
    private Task LoadAsync<TState, T>(string key, TState state, Func<CacheFactoryContext, TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options, bool readDistributed, CacheEntry? refreshing, InFlight load)
    {
        if (readDistributed && _store is not null && !options.SkipDistributedCache)
        {
            return LoadThroughDistributedAsync(key, state, factory, options, load);
        }

        ValueTask<bool> running;
        try
        {
            var stale = FindStale(key);
            if (TryAnswerFresh<T>(stale, background: refreshing is not null, load) || TryServeThrottled(stale, load))
            {
                ReleaseLoad(key, load);
                return Task.CompletedTask;
            }

            running = RunFactoryAsync(key, state, factory, options, stale, load);
        }
#pragma warning disable CA1031 // Every failure is handed, unchanged, to the waiting callers.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            FailLoad(key, load, refreshing, options, ex);
            return Task.CompletedTask;
        }

        if (running.IsCompletedSuccessfully)
        {
            if (running.Result)
            {
                ReleaseLoad(key, load);
            }

            return Task.CompletedTask;
        }

        return AwaitFactoryRunAsync(key, running, refreshing, options, load);
    }

    private async Task AwaitFactoryRunAsync(string key, ValueTask<bool> running, CacheEntry? refreshing, CacheEntryOptions options, InFlight load)
    {
        bool releaseNow;
        try
        {
            releaseNow = await running.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Every failure is handed, unchanged, to the waiting callers.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            FailLoad(key, load, refreshing, options, ex);
            return;
        }

        if (releaseNow)
        {
            ReleaseLoad(key, load);
        }
    }

    private async Task LoadThroughDistributedAsync<TState, T>(string key, TState state, Func<CacheFactoryContext, TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options, InFlight load)
    {
        var releaseNow = true;
        var leaseHeld = false;
        var failed = false;
        try
        {
            var stale = FindStale(key);
            if (TryAnswerFresh<T>(stale, background: false, load))
            {
                return;
            }

            // The load is shared by every caller of the key: no one caller's token cancels it (the timeout bounds it).
            var (fresh, distributedStale, unavailable) = await ReadDistributedAsync<T>(key, options, CancellationToken.None).ConfigureAwait(false);
            if (fresh is not null)
            {
                AcceptDistributed(fresh, options, load);
                return;
            }

            // A copy due for revalidation while L2 cannot be asked: keep trusting it for another interval.
            if (unavailable && TryKeepTrusting<T>(stale, load))
            {
                return;
            }

            stale ??= distributedStale;
            if (TryServeThrottled(stale, load))
            {
                return;
            }

            if (options.ClusterSingleFlight && _store!.SupportsLeases)
            {
                var (leader, fromLeader) = await AwaitClusterLoadAsync<T>(key, options).ConfigureAwait(false);
                if (fromLeader is not null)
                {
                    AcceptDistributed(fromLeader, options, load);
                    return;
                }

                leaseHeld = leader;
            }

            releaseNow = await RunFactoryAsync(key, state, factory, options, stale, load).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Every failure is handed, unchanged, to the waiting callers.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            releaseNow = false;
            failed = true;
            FailLoad(key, load, refreshing: null, options, ex);
        }
        finally
        {
            if (releaseNow)
            {
                ReleaseLoad(key, load);
            }

            // The result is in L2 (or the factory failed): the others may go. A factory still running after a timeout
            // keeps the lease until it expires, so no other node starts a second one meanwhile.
            if (leaseHeld && (releaseNow || failed))
            {
                _ = ReleaseClusterLeaseAsync(key);
            }
        }
    }

    /// <summary>
    /// Double check: a load that just finished stores its entry before it leaves the in-flight table, so a caller that
    /// missed L1 a moment ago and then found no load in flight finds the entry here instead of running the factory a
    /// second time. (An eager refresh wants the factory even though the entry is fresh.)
    /// </summary>
    private bool TryAnswerFresh<T>(CacheEntry? stale, bool background, InFlight load)
    {
        if (!background && stale is not null && _clock.NowMs is var now && now < stale.ExpiresAt && now < stale.RevalidateAt && TryCast(stale.Value, out T _))
        {
            load.Complete(stale);
            return true;
        }

        return false;
    }

    /// <summary>A value fresh from L2 (or from a cluster leader): takes the entry options' copy rule, goes to L1 if it fits, answers the load.</summary>
    private void AcceptDistributed(CacheEntry fresh, CacheEntryOptions options, InFlight load)
    {
        fresh.CopyOnRead = options.CopyOnRead;
        if (fresh.Size <= _options.MaximumEntrySize)
        {
            StoreL1(fresh);
        }

        load.Complete(fresh);
    }

    /// <summary>A copy due for revalidation while L2 cannot be asked, still within its lifetime: trusted for another interval.</summary>
    private bool TryKeepTrusting<T>(CacheEntry? stale, InFlight load)
    {
        if (stale is null || _clock.NowMs >= stale.ExpiresAt || !TryCast(stale.Value, out T _))
        {
            return false;
        }

        Volatile.Write(ref stale.RevalidateAt, RevalidateAt(_clock.NowMs));
        load.Complete(stale);
        return true;
    }

    /// <summary>A stale value while fail-safe throttles the factory after a failure.</summary>
    private bool TryServeThrottled(CacheEntry? stale, InFlight load)
    {
        if (stale is not null && _clock.NowMs < Volatile.Read(ref stale.FailSafeRetryAt))
        {
            _metrics.Add(_metrics.Instruments.StaleServed, "reason", "throttled");
            load.Complete(stale);
            return true;
        }

        return false;
    }

    private void FailLoad(string key, InFlight load, CacheEntry? refreshing, CacheEntryOptions options, Exception exception)
    {
        load.Fail(exception);
        if (refreshing is not null)
        {
            // Without fail-safe nothing else throttles a failing refresh: back off as fail-safe would.
            Volatile.Write(ref refreshing.EagerRefreshAt, _clock.NowMs + (long)options.FailSafeThrottle.TotalMilliseconds);
            Log.BackgroundFactoryFailed(_logger, exception, Name, key);
        }

        ReleaseLoad(key, load);
    }

    private void ReleaseLoad(string key, InFlight load) => _inflight.TryRemove(new KeyValuePair<string, InFlight>(key, load));

    /// <returns>Whether the in-flight slot can be released now (false while a timed-out factory still runs).</returns>
    private ValueTask<bool> RunFactoryAsync<TState, T>(string key, TState state, Func<CacheFactoryContext, TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options, CacheEntry? stale, InFlight load)
    {
        var hasStale = stale is not null && TryCast(stale.Value, out T _);
        if (!hasStale)
        {
            stale = null; // a stale value of another type is no answer for this caller
        }

        var context = CacheFactoryContext.Rent(key, options, hasStale, stale?.Value);
        var activity = CacheMetrics.ActivitySource.StartActivity("perfkit.cache.factory", ActivityKind.Internal);
        try
        {
            // The cache's name only: keys are unbounded and may carry personal data.
            activity?.SetTag(PerfKitCachingDiagnostics.Tags.Cache, Name);
            _metrics.Request("factory", "miss");

            ValueTask<T> pending;
            try
            {
                pending = factory(context, state, _disposeCts.Token);
            }
#pragma warning disable CA1031 // A factory that throws synchronously is treated like one that faults.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                pending = ValueTask.FromException<T>(ex);
            }

            if (pending.IsCompletedSuccessfully)
            {
                // The usual miss: a synchronous answer stored without an async state machine.
                var value = pending.Result;
                var decision = new FactoryDecision(context);
                context.Return();
                var completing = CompleteAsync(key, value, decision, options);
                if (completing.IsCompletedSuccessfully)
                {
                    load.Complete(completing.Result);
                    return new ValueTask<bool>(true);
                }

                var finishing = FinishCompleteAsync(completing, load, activity);
                activity = null; // disposed by FinishCompleteAsync
                return finishing;
            }

            var awaiting = AwaitFactoryAsync(key, pending, context, options, stale, hasStale, load, activity);
            activity = null; // disposed by AwaitFactoryAsync
            return awaiting;
        }
        finally
        {
            activity?.Dispose();
        }
    }

    private static async ValueTask<bool> FinishCompleteAsync(ValueTask<CacheEntry> completing, InFlight load, Activity? activity)
    {
        using (activity)
        {
            load.Complete(await completing.ConfigureAwait(false));
            return true;
        }
    }

    private async ValueTask<bool> AwaitFactoryAsync<T>(string key, ValueTask<T> pending, CacheFactoryContext context, CacheEntryOptions options, CacheEntry? stale, bool hasStale, InFlight load, Activity? activity)
    {
        using var scope = activity;
        var running = pending.AsTask();
        var timeout = hasStale && options.FactorySoftTimeout is { } soft ? soft : options.FactoryHardTimeout;
        try
        {
            var value = timeout is { } limit
                ? await running.WaitAsync(limit, _clock.TimeProvider).ConfigureAwait(false)
                : await running.ConfigureAwait(false);
            load.Complete(await CompleteAsync(key, value, new FactoryDecision(context), options).ConfigureAwait(false));
            return true;
        }
        catch (TimeoutException) when (!running.IsCompleted)
        {
            _metrics.Add(_metrics.Instruments.FactoryCalls, "result", "timeout");
            var kind = hasStale && options.FactorySoftTimeout is not null ? "soft" : "hard";
            if (stale is not null && (kind == "soft" || options.FailSafeMaxStaleness is not null))
            {
                Log.FactoryTimedOutServingStale(_logger, Name, key, kind);
                _metrics.Add(_metrics.Instruments.StaleServed, "reason", kind + "_timeout");
                load.Complete(stale);
            }
            else
            {
                load.Fail(new CacheFactoryTimeoutException($"The factory for key '{key}' of cache '{Name}' did not finish within {options.FactoryHardTimeout} (CacheEntryOptions.FactoryHardTimeout), and there was no stale value to serve."));
            }

            // The factory goes on; its result still lands in the cache, and the key stays "in flight" until then.
            _ = FinishInBackgroundAsync(key, running, context, options, load);
            return false;
        }
        catch (Exception ex) when (stale is not null && options.FailSafeMaxStaleness is not null && ex is not OperationCanceledException)
        {
            _metrics.Add(_metrics.Instruments.FactoryCalls, "result", "failure");
            Volatile.Write(ref stale.FailSafeRetryAt, _clock.NowMs + (long)options.FailSafeThrottle.TotalMilliseconds);
            Log.FactoryFailedServingStale(_logger, ex, Name, key, options.FailSafeThrottle);
            _metrics.Add(_metrics.Instruments.StaleServed, "reason", "failure");
            load.Complete(stale);
            return true;
        }
        catch (Exception)
        {
            _metrics.Add(_metrics.Instruments.FactoryCalls, "result", "failure");
            throw;
        }
    }

    private async Task FinishInBackgroundAsync<T>(string key, Task<T> running, CacheFactoryContext context, CacheEntryOptions options, InFlight load)
    {
        try
        {
            var value = await running.ConfigureAwait(false);
            await CompleteAsync(key, value, new FactoryDecision(context), options).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Nobody awaits a background completion: log and move on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.BackgroundFactoryFailed(_logger, ex, Name, key);
        }
        finally
        {
            ReleaseLoad(key, load);
        }
    }

    private ValueTask<CacheEntry> CompleteAsync<T>(string key, T value, FactoryDecision decision, CacheEntryOptions options)
    {
        _metrics.Add(_metrics.Instruments.FactoryCalls, "result", "success");
        if (decision.NotCached)
        {
            return new ValueTask<CacheEntry>(new CacheEntry(key, value, 0, 0, long.MaxValue, 0, null, 0));
        }

        var entry = CreateEntry(key, value, decision.Duration, decision.Tags, decision.Size, options);
        StoreL1(entry);

        // An L1-only cache finishes here, without an async state machine (measured: a tenth of a miss).
        return (_store is null || options.SkipDistributedCache) && _backplane is null
            ? new ValueTask<CacheEntry>(entry)
            : CompleteElsewhereAsync(entry, value, options);
    }

    private async ValueTask<CacheEntry> CompleteElsewhereAsync<T>(CacheEntry entry, T value, CacheEntryOptions options)
    {
        var inL2 = _store is null || options.SkipDistributedCache || await WriteDistributedAsync(entry, value).ConfigureAwait(false);
        if (inL2 && _backplane is not null)
        {
            await PublishAsync(CacheInvalidationKind.Key, entry.Key).ConfigureAwait(false);
        }

        return entry;
    }

    private CacheEntry? FindStale(string key) =>
        _l1.TryGet(key, out var entry) && _clock.NowMs < entry.StaleUntil && IsTagValid(entry) ? entry : null;

    /// <summary>What the factory decided through its context, read before the context is reused.</summary>
    private readonly struct FactoryDecision(CacheFactoryContext context)
    {
        public TimeSpan Duration { get; } = context.Duration;

        public IReadOnlyList<string>? Tags { get; } = context.Tags;

        public long Size { get; } = context.Size;

        public bool NotCached { get; } = context.IsNotCached;
    }
}
