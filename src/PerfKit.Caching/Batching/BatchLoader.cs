using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PerfKit.Caching.Internal;

namespace PerfKit.Caching.Batching;

/// <summary>
/// Collects concurrent single-key loads into calls of a batch function (keys → values): a batch is sent when it holds
/// <see cref="BatchLoaderOptions.MaximumBatchSize"/> distinct keys or when its first key has waited
/// <see cref="BatchLoaderOptions.LingerTime"/>, whichever comes first. A key already waiting or loading is not asked
/// for twice: its callers share one result. At most <see cref="BatchLoaderOptions.MaximumConcurrentBatches"/> calls
/// run at once. Each caller gets its own value or its own error: a key missing from the function's result fails
/// with a <see cref="KeyNotFoundException"/> for that key only; a function that throws or outlives
/// <see cref="BatchLoaderOptions.BatchTimeout"/> fails the keys of that batch with a <see cref="BatchLoadException"/>,
/// and the loader goes on serving later calls. A caller's cancellation ends its own wait only, never the batch.
/// Put it behind a cache so that only misses reach it:
/// <c>cache.GetOrCreateAsync(key, loader, static (ctx, l, ct) =&gt; l.LoadAsync(ctx.Key, ct))</c>.
/// </summary>
/// <typeparam name="TKey">The key type; equal keys (by <see cref="EqualityComparer{T}.Default"/>) are loaded once.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
public sealed class BatchLoader<TKey, TValue> : IDisposable, IAsyncDisposable, IBatchLoaderGauge
    where TKey : notnull
{
    private readonly Func<IReadOnlyList<TKey>, CancellationToken, ValueTask<IReadOnlyDictionary<TKey, TValue>>> _batchFunction;
    private readonly BatchLoaderOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly BatchMeter _metrics;
    private readonly Lock _sync = new();
    private readonly Dictionary<TKey, PendingKey> _pending = [];
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _disposed = new();
    private readonly RateGate _fullLog;
    private Batch? _collecting;
    private int _isDisposed;

    /// <summary>Creates a loader.</summary>
    /// <param name="batchFunction">
    /// Loads a batch: called with distinct keys (at most <see cref="BatchLoaderOptions.MaximumBatchSize"/>) and a token
    /// cancelled at <see cref="BatchLoaderOptions.BatchTimeout"/> or when the loader is disposed; returns a value per key.
    /// Keys it leaves out fail with <see cref="KeyNotFoundException"/>; keys it adds are ignored.
    /// </param>
    /// <param name="options">The options; validated here (an <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> names every bad one).</param>
    /// <param name="dependencies">Clock, logging and metrics; <see langword="null"/> for the defaults. Only <see cref="PerfKitCacheDependencies.TimeProvider"/>, <see cref="PerfKitCacheDependencies.LoggerFactory"/> and <see cref="PerfKitCacheDependencies.MeterFactory"/> are used.</param>
    public BatchLoader(Func<IReadOnlyList<TKey>, CancellationToken, ValueTask<IReadOnlyDictionary<TKey, TValue>>> batchFunction, BatchLoaderOptions options, PerfKitCacheDependencies? dependencies = null)
    {
        ArgumentNullException.ThrowIfNull(batchFunction);
        ArgumentNullException.ThrowIfNull(options);
        BatchLoaderOptionsValidator.ThrowIfInvalid(options);
        _batchFunction = batchFunction;
        _options = new BatchLoaderOptions
        {
            Name = options.Name,
            MaximumBatchSize = options.MaximumBatchSize,
            LingerTime = options.LingerTime,
            MaximumConcurrentBatches = options.MaximumConcurrentBatches,
            MaximumPendingKeys = options.MaximumPendingKeys,
            BatchTimeout = options.BatchTimeout,
        };
        _time = dependencies?.TimeProvider ?? TimeProvider.System;
        _logger = (ILogger?)dependencies?.LoggerFactory?.CreateLogger("PerfKit.Caching.BatchLoader") ?? NullLogger.Instance;
        _fullLog = new RateGate(_time, TimeSpan.FromMinutes(1));
        _slots = new SemaphoreSlim(_options.MaximumConcurrentBatches, _options.MaximumConcurrentBatches);
        _metrics = new BatchMeter(CacheMetrics.For(dependencies?.MeterFactory), _options.Name);
        _metrics.Instruments.TrackLoader(this);
    }

    /// <summary>The loader's name (<see cref="BatchLoaderOptions.Name"/>).</summary>
    public string Name => _options.Name;

    /// <summary>Distinct keys waiting for their batch or loading now.</summary>
    public int PendingKeys
    {
        get
        {
            lock (_sync)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>
    /// Loads one key through the next batch. Callers of a key already waiting or loading share its result.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Ends this caller's wait (an <see cref="OperationCanceledException"/>); the batch goes on for the others.</param>
    /// <returns>The key's value.</returns>
    /// <exception cref="KeyNotFoundException">The batch function returned no value for the key.</exception>
    /// <exception cref="BatchLoadException">The batch function threw or timed out, or the loader is full.</exception>
    /// <exception cref="ObjectDisposedException">The loader is disposed (also for callers still waiting when it is).</exception>
    public ValueTask<TValue> LoadAsync(TKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _isDisposed) != 0, this);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<TValue>(cancellationToken);
        }

        PendingKey? pending;
        Batch? full = null;
        var startLinger = false;
        lock (_sync)
        {
            if (_isDisposed != 0)
            {
                // Dispose set the flag before it took the lock to fail the waiting keys: a key added now would wait for good.
                return ValueTask.FromException<TValue>(new ObjectDisposedException(GetType().FullName, $"The batch loader '{_options.Name}' is disposed."));
            }

            if (_pending.TryGetValue(key, out pending))
            {
                _metrics.Keys("coalesced");
            }
            else if (_pending.Count >= _options.MaximumPendingKeys)
            {
                _metrics.Keys("rejected");
                if (_fullLog.TryEnter(out var suppressed))
                {
                    Log.BatchLoaderFull(_logger, _options.Name, _options.MaximumPendingKeys, suppressed);
                }

                return ValueTask.FromException<TValue>(new BatchLoadException(
                    $"The batch loader '{_options.Name}' holds {_pending.Count} keys waiting or loading, its limit (BatchLoaderOptions.MaximumPendingKeys = {_options.MaximumPendingKeys}); the load was refused rather than queued."));
            }
            else
            {
                pending = new PendingKey(key);
                _pending.Add(key, pending);
                var batch = _collecting ??= new Batch(_options.MaximumBatchSize, _time.GetTimestamp());
                batch.Keys.Add(pending);
                if (batch.Keys.Count >= _options.MaximumBatchSize)
                {
                    full = batch;
                    _collecting = null;
                }
                else
                {
                    startLinger = batch.Keys.Count == 1;
                }
            }
        }

        if (full is not null)
        {
            full.Timer?.Dispose();
            Dispatch(full, "full");
        }
        else if (startLinger)
        {
            StartLinger();
        }

        var task = pending.Task;
        return new ValueTask<TValue>(cancellationToken.CanBeCanceled && !task.IsCompleted ? task.WaitAsync(cancellationToken) : task);
    }

    /// <summary>Fails every waiting caller with <see cref="ObjectDisposedException"/> and cancels the running batch calls' tokens. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _isDisposed, 1) != 0)
        {
            return;
        }

        _disposed.Cancel();
        PendingKey[] waiting;
        lock (_sync)
        {
            _collecting?.Timer?.Dispose();
            _collecting = null;
            waiting = [.. _pending.Values];
            _pending.Clear();
        }

        var disposed = new ObjectDisposedException(GetType().FullName, $"The batch loader '{_options.Name}' was disposed before the key was loaded.");
        foreach (var pending in waiting)
        {
            pending.TrySetException(disposed);
        }

        _metrics.Instruments.UntrackLoader(this);

        // _disposed is not disposed: batches still running read its token, and without a timer it holds nothing.
    }

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void StartLinger()
    {
        if (_options.LingerTime == TimeSpan.Zero)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static self => self.SendCollecting(), this, preferLocal: false);
            return;
        }

        Batch? armed;
        lock (_sync)
        {
            armed = _collecting;
            if (armed is null || armed.Timer is not null)
            {
                return;
            }

            // The timer belongs to this batch: when it fires after the batch was sent full, it finds another batch (or
            // none) in _collecting and does nothing.
            armed.Timer = _time.CreateTimer(static state => ((BatchLoader<TKey, TValue>)((object[])state!)[0]).SendIfCollecting((Batch)((object[])state!)[1]), new object[] { this, armed }, _options.LingerTime, Timeout.InfiniteTimeSpan);
        }
    }

    private void SendCollecting()
    {
        Batch? batch;
        lock (_sync)
        {
            batch = _collecting;
            _collecting = null;
        }

        if (batch is not null)
        {
            Dispatch(batch, "linger");
        }
    }

    private void SendIfCollecting(Batch armed)
    {
        lock (_sync)
        {
            if (!ReferenceEquals(_collecting, armed))
            {
                return;
            }

            _collecting = null;
        }

        armed.Timer?.Dispose();
        Dispatch(armed, "linger");
    }

    private void Dispatch(Batch batch, string trigger)
    {
        _metrics.Linger(_time.GetElapsedTime(batch.StartedAt), trigger);
        _ = RunAsync(batch);
    }

    private async Task RunAsync(Batch batch)
    {
        var keys = new TKey[batch.Keys.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = batch.Keys[i].Key;
        }

        // BatchTimeout counts from the moment the batch is sent: its wait for a free slot is part of it, so no caller
        // waits longer than BatchTimeout after its batch was sent, however busy the batch function is.
        var started = _time.GetTimestamp();
        IReadOnlyDictionary<TKey, TValue>? results = null;
        Exception? failure = null;
        var disposed = _disposed.Token;
        using var timeout = new CancellationTokenSource(_options.BatchTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, disposed);
        try
        {
            await _slots.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (disposed.IsCancellationRequested)
        {
            return; // disposed while waiting for a slot: Dispose failed the callers
        }
        catch (OperationCanceledException ex)
        {
            failure = new TimeoutException($"No call of the batch function could start within {_options.BatchTimeout} (BatchLoaderOptions.BatchTimeout): {_options.MaximumConcurrentBatches} calls (BatchLoaderOptions.MaximumConcurrentBatches) were still running.", ex);
        }

        if (failure is null)
        {
            Task<IReadOnlyDictionary<TKey, TValue>>? running = null;
            try
            {
                var call = InvokeAsync(keys, linked.Token);
                if (call.IsCompletedSuccessfully)
                {
                    results = call.Result;
                }
                else
                {
                    // The callers' wait ends at the timeout even when the function ignores its token.
                    running = call.AsTask();
                    results = await running.WaitAsync(linked.Token).ConfigureAwait(false);
                }

                if (results is null)
                {
                    failure = new InvalidOperationException("The batch function returned null instead of a dictionary.");
                }
            }
            catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !disposed.IsCancellationRequested)
            {
                failure = new TimeoutException($"The batch function did not finish within {_options.BatchTimeout} (BatchLoaderOptions.BatchTimeout).", ex);
            }
#pragma warning disable CA1031 // Every failure goes, unchanged, to the batch's callers.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failure = ex;
            }
            finally
            {
                // The slot is the call's, not the callers': a call that outlives its timeout keeps it until it really
                // ends, so MaximumConcurrentBatches bounds the calls running against the backend, stuck ones included.
                if (running is null || running.IsCompleted)
                {
                    _slots.Release();
                }
                else
                {
                    _ = running.ContinueWith(static (t, slots) =>
                    {
                        _ = t.Exception;
                        ((SemaphoreSlim)slots!).Release();
                    }, _slots, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }
            }
        }

        var elapsed = _time.GetElapsedTime(started);
        lock (_sync)
        {
            foreach (var pending in batch.Keys)
            {
                _pending.Remove(pending.Key, out var current);
                if (current is not null && !ReferenceEquals(current, pending))
                {
                    _pending[pending.Key] = current; // a later load of the key, after Dispose cleared the map: not ours
                }
            }
        }

        if (failure is not null)
        {
            var result = failure is TimeoutException ? "timeout" : "failure";
            _metrics.Batch(keys.Length, elapsed, result);
            _metrics.Keys("failed", keys.Length);
            Log.BatchFailed(_logger, failure, _options.Name, keys.Length);
            var error = new BatchLoadException(
                $"The batch function of loader '{_options.Name}' failed for a batch of {Plural(keys.Length, "key")} ({Describe(keys)}): {failure.Message}", failure, keys.Length);
            foreach (var pending in batch.Keys)
            {
                pending.TrySetException(error);
            }

            return;
        }

        _metrics.Batch(keys.Length, elapsed, "success");
        var missing = 0;
        foreach (var pending in batch.Keys)
        {
            if (results!.TryGetValue(pending.Key, out var value))
            {
                pending.TrySetResult(value);
            }
            else
            {
                missing++;
                pending.TrySetException(new KeyNotFoundException($"The batch function of loader '{_options.Name}' returned no value for key '{pending.Key}' (a batch of {Plural(keys.Length, "key")})."));
            }
        }

        _metrics.Keys("loaded", keys.Length - missing);
        if (missing > 0)
        {
            _metrics.Keys("missing", missing);
        }
    }

    private static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    private static string Describe(TKey[] keys)
    {
        const int Shown = 10;
        var shown = string.Join(", ", keys.Take(Shown));
        return keys.Length > Shown ? $"{shown} and {keys.Length - Shown} more" : shown;
    }

    private ValueTask<IReadOnlyDictionary<TKey, TValue>> InvokeAsync(TKey[] keys, CancellationToken cancellationToken)
    {
        try
        {
            return _batchFunction(keys, cancellationToken);
        }
#pragma warning disable CA1031 // A function that throws synchronously is treated like one that faults.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ValueTask.FromException<IReadOnlyDictionary<TKey, TValue>>(ex);
        }
    }

    private sealed class PendingKey(TKey key) : TaskCompletionSource<TValue>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public TKey Key { get; } = key;
    }

    private sealed class Batch(int capacity, long startedAt)
    {
        public List<PendingKey> Keys { get; } = new(Math.Min(capacity, 1024));

        public long StartedAt { get; } = startedAt;

        public ITimer? Timer { get; set; }
    }
}
