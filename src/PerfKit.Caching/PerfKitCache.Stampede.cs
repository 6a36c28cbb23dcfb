using System.Diagnostics;
using PerfKit.Caching.Internal;

namespace PerfKit.Caching;

public sealed partial class PerfKitCache
{
    private async ValueTask<T> GetOrCreateSlowAsync<TState, T>(string key, TState state, Func<CacheFactoryContext, TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options, CancellationToken cancellationToken)
    {
        options.Validate(nameof(options));
        if (options.Size > _options.MaximumEntrySize)
        {
            throw new CacheEntryTooLargeException($"The entry for key '{key}' has size {options.Size}, above PerfKitCacheOptions.MaximumEntrySize ({_options.MaximumEntrySize}) of cache '{Name}'.");
        }

        var load = GetOrStartLoad(key, state, factory, options, readDistributed: true, out var joined);
        if (joined)
        {
            _metrics.Add(_metrics.CoalescedWaits);
        }

        var entry = await load.WaitAsync(cancellationToken).ConfigureAwait(false);
        TryCast(entry.Value, out T value);
        return value;
    }

    private Task<CacheEntry> GetOrStartLoad<TState, T>(string key, TState state, Func<CacheFactoryContext, TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options, bool readDistributed, out bool joined)
    {
        while (true)
        {
            if (_inflight.TryGetValue(key, out var running))
            {
                joined = true;
                return running.Task;
            }

            // Continuations run asynchronously: no caller's code runs inside the factory's frame.
            var load = new TaskCompletionSource<CacheEntry>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_inflight.TryAdd(key, load))
            {
                joined = false;
                _ = LoadAsync(key, state, factory, options, readDistributed, load);
                return load.Task;
            }
        }
    }

    private void StartEagerRefresh<TState, T>(string key, TState state, Func<CacheFactoryContext, TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options)
    {
        if (!_inflight.ContainsKey(key))
        {
            var refresh = GetOrStartLoad(key, state, factory, options, readDistributed: false, out _);
            _ = refresh.ContinueWith(
                static (t, s) => _ = t.Exception,
                null,
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    private async Task LoadAsync<TState, T>(string key, TState state, Func<CacheFactoryContext, TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options, bool readDistributed, TaskCompletionSource<CacheEntry> load)
    {
        var releaseNow = true;
        try
        {
            var stale = FindStale(key);
            if (readDistributed && !options.SkipDistributedCache)
            {
                var (fresh, distributedStale) = await ReadDistributedAsync<T>(key).ConfigureAwait(false);
                if (fresh is not null)
                {
                    StoreL1(fresh);
                    load.SetResult(fresh);
                    return;
                }

                stale ??= distributedStale;
            }

            if (stale is not null && _clock.NowMs < Volatile.Read(ref stale.FailSafeRetryAt))
            {
                _metrics.Add(_metrics.StaleServed, "reason", "throttled");
                load.SetResult(stale);
                return;
            }

            releaseNow = await RunFactoryAsync(key, state, factory, options, stale, load).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Every failure is handed, unchanged, to the waiting callers.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            load.TrySetException(ex);
        }
        finally
        {
            if (releaseNow)
            {
                _inflight.TryRemove(new KeyValuePair<string, TaskCompletionSource<CacheEntry>>(key, load));
            }
        }
    }

    /// <returns>Whether the in-flight slot can be released now (false while a timed-out factory still runs).</returns>
    private async Task<bool> RunFactoryAsync<TState, T>(string key, TState state, Func<CacheFactoryContext, TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options, CacheEntry? stale, TaskCompletionSource<CacheEntry> load)
    {
        var hasStale = stale is not null && TryCast(stale.Value, out T _);
        if (!hasStale)
        {
            stale = null; // a stale value of another type is no answer for this caller
        }

        var context = new CacheFactoryContext(key, options, hasStale, stale?.Value);
        using var activity = CacheMetrics.ActivitySource.StartActivity("perfkit.cache.factory", ActivityKind.Internal);
        activity?.SetTag("perfkit.cache.name", Name);
        activity?.SetTag("perfkit.cache.key", key);
        _metrics.Request("factory", "miss");

        Task<T> running;
        try
        {
            running = factory(context, state, _disposeCts.Token).AsTask();
        }
#pragma warning disable CA1031 // A factory that throws synchronously is treated like one that faults.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            running = Task.FromException<T>(ex);
        }

        var timeout = hasStale && options.FactorySoftTimeout is { } soft ? soft : options.FactoryHardTimeout;
        try
        {
            var value = timeout is { } limit
                ? await running.WaitAsync(limit, _clock.TimeProvider).ConfigureAwait(false)
                : await running.ConfigureAwait(false);
            load.SetResult(await CompleteAsync(key, value, context, options).ConfigureAwait(false));
            return true;
        }
        catch (TimeoutException) when (!running.IsCompleted)
        {
            _metrics.Add(_metrics.FactoryCalls, "result", "timeout");
            var kind = hasStale && options.FactorySoftTimeout is not null ? "soft" : "hard";
            if (stale is not null && (kind == "soft" || options.FailSafeMaxStaleness is not null))
            {
                Log.FactoryTimedOutServingStale(_logger, Name, key, kind);
                _metrics.Add(_metrics.StaleServed, "reason", kind + "_timeout");
                load.SetResult(stale);
            }
            else
            {
                load.SetException(new CacheFactoryTimeoutException($"The factory for key '{key}' of cache '{Name}' did not finish within {options.FactoryHardTimeout} (CacheEntryOptions.FactoryHardTimeout), and there was no stale value to serve."));
            }

            // The factory goes on; its result still lands in the cache, and the key stays "in flight" until then.
            _ = FinishInBackgroundAsync(key, running, context, options, load);
            return false;
        }
        catch (Exception ex) when (stale is not null && options.FailSafeMaxStaleness is not null && ex is not OperationCanceledException)
        {
            _metrics.Add(_metrics.FactoryCalls, "result", "failure");
            Volatile.Write(ref stale.FailSafeRetryAt, _clock.NowMs + (long)options.FailSafeThrottle.TotalMilliseconds);
            Log.FactoryFailedServingStale(_logger, ex, Name, key, options.FailSafeThrottle);
            _metrics.Add(_metrics.StaleServed, "reason", "failure");
            load.SetResult(stale);
            return true;
        }
        catch (Exception)
        {
            _metrics.Add(_metrics.FactoryCalls, "result", "failure");
            throw;
        }
    }

    private async Task FinishInBackgroundAsync<T>(string key, Task<T> running, CacheFactoryContext context, CacheEntryOptions options, TaskCompletionSource<CacheEntry> load)
    {
        try
        {
            var value = await running.ConfigureAwait(false);
            await CompleteAsync(key, value, context, options).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Nobody awaits a background completion: log and move on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.BackgroundFactoryFailed(_logger, ex, Name, key);
        }
        finally
        {
            _inflight.TryRemove(new KeyValuePair<string, TaskCompletionSource<CacheEntry>>(key, load));
        }
    }

    private async ValueTask<CacheEntry> CompleteAsync<T>(string key, T value, CacheFactoryContext context, CacheEntryOptions options)
    {
        _metrics.Add(_metrics.FactoryCalls, "result", "success");
        if (context.IsNotCached)
        {
            return new CacheEntry(key, value, 0, 0, long.MaxValue, 0, null, 0);
        }

        var entry = CreateEntry(key, value, context.Duration, context.Tags, context.Size, options);
        StoreL1(entry);
        if (!options.SkipDistributedCache)
        {
            await WriteDistributedAsync(entry, value, CancellationToken.None).ConfigureAwait(false);
        }

        return entry;
    }

    private CacheEntry? FindStale(string key) =>
        _l1.TryGet(key, out var entry) && _clock.NowMs < entry.StaleUntil && IsTagValid(entry) ? entry : null;
}
