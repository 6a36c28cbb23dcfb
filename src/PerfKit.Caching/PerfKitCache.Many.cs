using System.Diagnostics;
using PerfKit.Caching.Internal;

namespace PerfKit.Caching;

// GetOrCreateManyAsync: one L1 pass, one L2 read for the misses (GetManyAsync: one MGET with Redis), one factory call
// with exactly the keys still missing. Each missing key is registered in the same in-flight table as single-key loads,
// so overlapping calls (single or many) share one load per key.
public sealed partial class PerfKitCache
{
    /// <summary>The value of a key the batch factory gave no value for: not cached; its waiters get no value from this load.</summary>
    private static readonly object Absent = new();

    /// <summary>Keys per L2 read: one MGET up to this many, so a read of a huge key list is not one call past the L2 timeout.</summary>
    internal const int KeysPerDistributedRead = 1_000;

    /// <summary>L2 writes of one call in flight at once: a huge key list does not queue thousands of writes behind one deadline each.</summary>
    internal const int DistributedWritesInFlight = 64;

    /// <inheritdoc />
    public async ValueTask<IReadOnlyDictionary<string, T>> GetOrCreateManyAsync<TState, T>(IEnumerable<string> keys, TState state, Func<IReadOnlyList<string>, TState, CancellationToken, ValueTask<IReadOnlyDictionary<string, T>>> factory, CacheEntryOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(factory);
        ThrowIfDisposed();
        options ??= _options.DefaultEntryOptions;
        ValidateEntryOptions(options);
        if (options.Size > _options.MaximumEntrySize)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Size, $"CacheEntryOptions.Size ({options.Size}) is above PerfKitCacheOptions.MaximumEntrySize ({_options.MaximumEntrySize}) of cache '{Name}'.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var result = new Dictionary<string, T>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        List<(string Key, InFlight Load)>? owned = null;
        List<(string Key, InFlight Load)>? joined = null;
        foreach (var key in keys)
        {
            ValidateKey(key);
            if (!seen.Add(key))
            {
                continue;
            }

            if (TryGetFresh<T>(key, out var value))
            {
                result[key] = value;
                continue;
            }

            while (true)
            {
                var load = new InFlight();
                if (_inflight.TryAdd(key, load))
                {
                    (owned ??= []).Add((key, load));
                    break;
                }

                if (_inflight.TryGetValue(key, out var running))
                {
                    _metrics.Add(_metrics.Instruments.CoalescedWaits);
                    (joined ??= []).Add((key, running));
                    break;
                }
            }
        }

        if (owned is not null)
        {
            // The loads are shared with other callers through the in-flight table: they run to the end whatever this
            // caller's token says, and every one of them is settled and released before the task ends.
            await LoadManyAsync(owned, state, factory, options).WaitAsync(cancellationToken).ConfigureAwait(false);
            foreach (var (key, load) in owned)
            {
                load.TryGetOutcome(out var entry, out var error);
                error?.Throw();
                Collect(key, entry!, result);
            }
        }

        if (joined is not null)
        {
            foreach (var (key, load) in joined)
            {
                var entry = await load.WaitAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
                if (!Collect(key, entry, result) && !ReferenceEquals(entry.Value, Absent))
                {
                    // The load that was running produced another type (the key is read as two types): ask this caller's
                    // factory for this key alone, as a single-key load of this type would.
                    var own = await GetOrCreateSlowAsync(key, (state, factory), static async (context, s, ct) =>
                    {
                        var answer = await s.factory([context.Key], s.state, ct).ConfigureAwait(false);
                        return answer is not null && answer.TryGetValue(context.Key, out var v) ? v : throw new KeyNotFoundException($"The factory returned no value for key '{context.Key}'.");
                    }, options, cancellationToken).ConfigureAwait(false);
                    result[key] = own;
                }
            }
        }

        return result;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyDictionary<string, T>> GetOrCreateManyAsync<T>(IEnumerable<string> keys, Func<IReadOnlyList<string>, CancellationToken, ValueTask<IReadOnlyDictionary<string, T>>> factory, CacheEntryOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return GetOrCreateManyAsync(keys, factory, static (k, f, ct) => f(k, ct), options, cancellationToken);
    }

    private bool Collect<T>(string key, CacheEntry entry, Dictionary<string, T> result)
    {
        if (ReferenceEquals(entry.Value, Absent) || !TryCast(entry.Value, out T value))
        {
            return false;
        }

        result[key] = entry.CopyOnRead ? Copy(value) : value;
        return true;
    }

    // Never throws: every load of `owned` is settled (value, absent or error) and released before it ends.
    private async Task LoadManyAsync<TState, T>(List<(string Key, InFlight Load)> owned, TState state, Func<IReadOnlyList<string>, TState, CancellationToken, ValueTask<IReadOnlyDictionary<string, T>>> factory, CacheEntryOptions options)
    {
        var stale = new CacheEntry?[owned.Count];
        var open = new List<int>(owned.Count);
        try
        {
            for (var i = 0; i < owned.Count; i++)
            {
                // Double check, as for a single key: a load that just finished stored its entry before it left the table.
                stale[i] = FindStale(owned[i].Key);
                if (!TryAnswerFresh<T>(stale[i], background: false, owned[i].Load))
                {
                    open.Add(i);
                }
            }

            if (open.Count > 0 && _store is not null && !options.SkipDistributedCache)
            {
                await ReadManyDistributedAsync<T>(owned, open, stale, options).ConfigureAwait(false);
            }

            open.RemoveAll(i => TryServeThrottled(stale[i], owned[i].Load));
            if (open.Count > 0)
            {
                await RunManyFactoryAsync(owned, open, stale, state, factory, options).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // Every failure is handed, unchanged, to the waiting callers.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            foreach (var (_, load) in owned)
            {
                if (!load.TryGetOutcome(out _, out _))
                {
                    load.Fail(ex);
                }
            }
        }
        finally
        {
            foreach (var (key, load) in owned)
            {
                ReleaseLoad(key, load);
            }
        }
    }

    private async ValueTask ReadManyDistributedAsync<T>(List<(string Key, InFlight Load)> owned, List<int> open, CacheEntry?[] stale, CacheEntryOptions options)
    {
        // A key with a queued write or remove is newer in this process than in L2: it is not read from L2.
        var asked = new List<int>(open.Count);
        foreach (var i in open)
        {
            if (_outbox.HasPendingKey(_options.DistributedKeyPrefix + owned[i].Key))
            {
                _metrics.Request("l2", "pending");
            }
            else
            {
                asked.Add(i);
            }
        }

        if (asked.Count == 0)
        {
            return;
        }

        if (!_circuit.TryEnterRead(_clock.NowMs, out var probe))
        {
            foreach (var _ in asked)
            {
                _metrics.Request("l2", "skipped");
            }

            KeepTrustingWhileUnavailable<T>(owned, open, stale);
            return;
        }

        var answered = new bool[owned.Count];
        var reachable = true;
        for (var first = 0; first < asked.Count && reachable; first += KeysPerDistributedRead)
        {
            var chunk = asked.GetRange(first, Math.Min(KeysPerDistributedRead, asked.Count - first));
            reachable = await ReadDistributedChunkAsync<T>(owned, stale, options, chunk, answered, probe && first == 0).ConfigureAwait(false);
        }

        open.RemoveAll(i => answered[i]);
        if (!reachable)
        {
            KeepTrustingWhileUnavailable<T>(owned, open, stale);
        }
    }

    /// <returns>False when L2 did not answer (the remaining chunks are not read).</returns>
    private async ValueTask<bool> ReadDistributedChunkAsync<T>(List<(string Key, InFlight Load)> owned, CacheEntry?[] stale, CacheEntryOptions options, List<int> asked, bool[] answered, bool probe)
    {
        var names = new string[asked.Count];
        for (var j = 0; j < names.Length; j++)
        {
            names[j] = _options.DistributedKeyPrefix + owned[asked[j]].Key;
        }

        (L2Outcome outcome, byte[]?[]? payloads) read;
        try
        {
            read = await CallStoreAsync("get-many", names, static (store, n, ct) => store.GetManyAsync(n, ct), CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (probe)
        {
            _circuit.AbandonProbe();
            throw;
        }

        if (read.outcome == L2Outcome.Unavailable)
        {
            return false;
        }

        if (read.outcome != L2Outcome.Ok || read.payloads is not { } payloads || payloads.Length != asked.Count)
        {
            return true; // a store that broke the contract: these keys are misses, and the factory decides
        }

        for (var j = 0; j < asked.Count; j++)
        {
            var i = asked[j];
            if (payloads[j] is not { } bytes)
            {
                _metrics.Request("l2", "miss");
                continue;
            }

            var (fresh, distributedStale) = await DecodeDistributedAsync<T>(owned[i].Key, bytes, options, CancellationToken.None).ConfigureAwait(false);
            if (fresh is not null)
            {
                AcceptDistributed(fresh, options, owned[i].Load);
                answered[i] = true;
            }
            else
            {
                stale[i] ??= distributedStale;
            }
        }

        return true;
    }

    /// <summary>Copies due for revalidation while L2 cannot be asked: trusted for another interval, as for a single key.</summary>
    private void KeepTrustingWhileUnavailable<T>(List<(string Key, InFlight Load)> owned, List<int> open, CacheEntry?[] stale) =>
        open.RemoveAll(i => TryKeepTrusting<T>(stale[i], owned[i].Load));

    private async ValueTask RunManyFactoryAsync<TState, T>(List<(string Key, InFlight Load)> owned, List<int> open, CacheEntry?[] stale, TState state, Func<IReadOnlyList<string>, TState, CancellationToken, ValueTask<IReadOnlyDictionary<string, T>>> factory, CacheEntryOptions options)
    {
        var keys = new string[open.Count];
        for (var j = 0; j < keys.Length; j++)
        {
            keys[j] = owned[open[j]].Key;
            _metrics.Request("factory", "miss");
        }

        using var activity = CacheMetrics.ActivitySource.StartActivity("perfkit.cache.factory", ActivityKind.Internal);
        activity?.SetTag(PerfKitCachingDiagnostics.Tags.Cache, Name);
        IReadOnlyDictionary<string, T>? answer;
        try
        {
            ValueTask<IReadOnlyDictionary<string, T>> pending;
            try
            {
                pending = factory(keys, state, _disposeCts.Token);
            }
#pragma warning disable CA1031 // A factory that throws synchronously is treated like one that faults.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                pending = ValueTask.FromException<IReadOnlyDictionary<string, T>>(ex);
            }

            answer = options.FactoryHardTimeout is { } limit && !pending.IsCompleted
                ? await pending.AsTask().WaitAsync(limit, _clock.TimeProvider).ConfigureAwait(false)
                : await pending.ConfigureAwait(false);
            if (answer is null)
            {
                throw new InvalidOperationException($"The factory of GetOrCreateManyAsync on cache '{Name}' returned null instead of a dictionary.");
            }
        }
        catch (Exception ex)
        {
            var timedOut = ex is TimeoutException;
            _metrics.Add(_metrics.Instruments.FactoryCalls, "result", timedOut ? "timeout" : "failure");
            var error = timedOut
                ? new CacheFactoryTimeoutException($"The factory of GetOrCreateManyAsync for {keys.Length} keys of cache '{Name}' did not finish within {options.FactoryHardTimeout} (CacheEntryOptions.FactoryHardTimeout); its late result is not stored.")
                : ex;
            var servedStale = 0;
            foreach (var i in open)
            {
                if (stale[i] is { } copy && options.FailSafeMaxStaleness is not null && TryCast(copy.Value, out T _))
                {
                    servedStale++;
                    Volatile.Write(ref copy.FailSafeRetryAt, _clock.NowMs + (long)options.FailSafeThrottle.TotalMilliseconds);
                    _metrics.Add(_metrics.Instruments.StaleServed, "reason", timedOut ? "hard_timeout" : "failure");
                    owned[i].Load.Complete(copy);
                }
                else
                {
                    owned[i].Load.Fail(error);
                }
            }

            if (servedStale > 0)
            {
                Log.ManyFactoryFailedServingStale(_logger, ex, Name, keys.Length, servedStale, options.FailSafeThrottle);
            }

            return;
        }

        _metrics.Add(_metrics.Instruments.FactoryCalls, "result", "success");
        List<(CacheEntry Entry, T Value)>? stored = null;
        foreach (var i in open)
        {
            var (key, load) = owned[i];
            if (answer.TryGetValue(key, out var value))
            {
                var entry = CreateEntry(key, value, options.Duration, options.Tags, options.Size, options);
                StoreL1(entry);
                (stored ??= []).Add((entry, value));
                load.Complete(entry);
            }
            else
            {
                load.Complete(new CacheEntry(key, Absent, 0, 0, long.MaxValue, 0, null, 0));
            }
        }

        if (stored is null || ((_store is null || options.SkipDistributedCache) && _backplane is null))
        {
            return;
        }

        // The L2 writes go out in windows (the client pipelines each window); each is queued for replay if L2 does not
        // answer. Windows keep a huge key list from queueing all its writes at once behind their deadlines.
        var writes = new ValueTask<CacheEntry>[Math.Min(DistributedWritesInFlight, stored.Count)];
        for (var first = 0; first < stored.Count; first += writes.Length)
        {
            var count = Math.Min(writes.Length, stored.Count - first);
            for (var j = 0; j < count; j++)
            {
                writes[j] = CompleteElsewhereAsync(stored[first + j].Entry, stored[first + j].Value, options);
            }

            for (var j = 0; j < count; j++)
            {
                await writes[j].ConfigureAwait(false);
            }
        }
    }
}
