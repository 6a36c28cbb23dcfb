using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PerfKit.Memory.Internal;

namespace PerfKit.Memory.Resources;

/// <summary>
/// A heavy resource (an ML model, a large lookup table) loaded on first use, exactly once under any concurrency,
/// unloaded (disposed) when idle or under memory pressure, and reloaded transparently on the next use. Callers
/// hold a <see cref="LazyResourceLease{T}"/>; the resource is never disposed while a lease is out: an unload asked
/// for meanwhile happens when the last lease is released. A failed load reaches every waiting caller with the
/// original exception and is tried again on the next use. A load that finishes after the resource was disposed
/// is disposed at once, never stored.
/// </summary>
/// <typeparam name="T">The resource type; disposed on unload if it is <see cref="IDisposable"/> or <see cref="IAsyncDisposable"/>.</typeparam>
public sealed class LazyResource<T> : IMemoryPressureResponder, IAsyncDisposable, IDisposable
    where T : class
{
    // System.Threading.Timer refuses due times above 4294967294 ms (about 49.7 days).
    private static readonly TimeSpan MaximumTimerDueTime = TimeSpan.FromMilliseconds(uint.MaxValue - 1L);

    private readonly Func<CancellationToken, ValueTask<T>> _factory;
    private readonly LazyResourceOptions _options;
    private readonly TimeSpan _idleTimeout;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly MemoryMetrics _metrics;
    private readonly KeyValuePair<string, object?> _nameTag;
    private readonly Lock _sync = new();
    private readonly CancellationTokenSource _disposeCts = new();
    private readonly ITimer? _idleTimer;
    private T? _value;
    private Task? _loading;
    private int _leases;
    private long _loadedBytes;
    private long _lastReleased;
    private bool _unloadWhenReleased;
    private bool _disposed;

    /// <summary>Creates a lazy resource with default options. Nothing loads until the first <see cref="AcquireAsync"/>.</summary>
    /// <param name="factory">
    /// Loads the resource. It runs once per load, with a token cancelled only when this object is disposed. An
    /// <c>async</c> lambda fits; a method that returns a <see cref="Task{TResult}"/> is wrapped:
    /// <c>ct =&gt; new ValueTask&lt;T&gt;(LoadAsync(ct))</c>.
    /// </param>
    public LazyResource(Func<CancellationToken, ValueTask<T>> factory)
        : this(factory, new LazyResourceOptions())
    {
    }

    /// <summary>Creates a lazy resource. Nothing loads until the first <see cref="AcquireAsync"/>. Bad options throw <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> naming every bad option.</summary>
    /// <param name="factory">Loads the resource. It runs once per load, with a token cancelled only when this object is disposed.</param>
    /// <param name="options">The options.</param>
    /// <param name="dependencies">The clock of the idle timeout, logging and metering; each defaults when absent.</param>
    public LazyResource(Func<CancellationToken, ValueTask<T>> factory, LazyResourceOptions options, PerfKitMemoryDependencies? dependencies = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(options);
        LazyResourceOptionsValidator.ThrowIfInvalid(options);
        _factory = factory;
        _options = options;

        // Read once: the options object stays the user's, and a value changed later must not reach the timer.
        _idleTimeout = options.IdleTimeout;
        _timeProvider = dependencies?.TimeProvider ?? TimeProvider.System;
        _logger = (dependencies?.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("PerfKit.Memory.LazyResource");
        _metrics = MemoryMetrics.For(dependencies?.MeterFactory);
        Name = options.Name ?? typeof(T).Name;
        _nameTag = new(PerfKitMemoryDiagnostics.Tags.Resource, Name);
        if (_idleTimeout != Timeout.InfiniteTimeSpan)
        {
            _idleTimer = _timeProvider.CreateTimer(static s => ((LazyResource<T>)s!).OnIdleTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public int Priority => _options.Priority;

    /// <summary>Whether the resource is loaded now.</summary>
    public bool IsLoaded
    {
        get
        {
            lock (_sync)
            {
                return _value is not null;
            }
        }
    }

    /// <summary>How many leases are out now.</summary>
    public int ActiveLeases => Volatile.Read(ref _leases);

    /// <summary>
    /// Gets the resource, loading it if needed. Concurrent first callers share one load; a caller's cancellation
    /// stops only its own wait, never the shared load. Dispose the lease when done.
    /// </summary>
    /// <param name="cancellationToken">Stops this caller's wait.</param>
    /// <returns>A lease on the loaded resource.</returns>
    public async ValueTask<LazyResourceLease<T>> AcquireAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task loading;
            lock (_sync)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_value is not null)
                {
                    _leases++;
                    _idleTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                    return new LazyResourceLease<T>(this, _value);
                }

                loading = _loading ??= StartLoad();
            }

            await loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Unloads now if no lease is out; otherwise unloads when the last lease is released.</summary>
    /// <returns><see langword="true"/> if the resource was unloaded now.</returns>
    /// <exception cref="ObjectDisposedException">The resource was disposed.</exception>
    public ValueTask<bool> UnloadAsync()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        return UnloadAsync("manual");
    }

    /// <inheritdoc />
    public async ValueTask<long> RespondAsync(MemoryPressureContext context, CancellationToken cancellationToken)
    {
        if (!_options.UnloadUnderPressure)
        {
            return 0;
        }

        var bytes = Interlocked.Read(ref _loadedBytes);
        return await UnloadAsync("pressure").ConfigureAwait(false) ? bytes : 0;
    }

    /// <summary>Unloads the resource (waiting for no lease) and refuses new acquisitions. A load still running is disposed when it finishes.</summary>
    /// <returns>A task that completes when the resource is disposed or will be on its last release.</returns>
    public async ValueTask DisposeAsync()
    {
        if (!MarkDisposed())
        {
            return;
        }

        await _disposeCts.CancelAsync().ConfigureAwait(false);
        _idleTimer?.Dispose();
        await UnloadAsync("dispose").ConfigureAwait(false);
        _disposeCts.Dispose();
    }

    /// <summary>
    /// Like <see cref="DisposeAsync"/>, for synchronous owners (a <c>ServiceProvider</c> disposed with <c>Dispose()</c>).
    /// A resource that is only <see cref="IAsyncDisposable"/> is disposed by running its <c>DisposeAsync</c> on the
    /// thread pool and waiting for it, so that its continuations never need the caller's
    /// <see cref="SynchronizationContext"/> (a UI thread blocked here would deadlock); prefer <see cref="DisposeAsync"/>
    /// where you can, and where the resource must be disposed on the caller's thread.
    /// </summary>
    public void Dispose()
    {
        if (!MarkDisposed())
        {
            return;
        }

        _disposeCts.Cancel();
        _idleTimer?.Dispose();
        T? value;
        lock (_sync)
        {
            if (_value is null)
            {
                value = null;
            }
            else if (_leases > 0)
            {
                _unloadWhenReleased = true;
                value = null;
            }
            else
            {
                value = TakeValue();
            }
        }

        if (value is not null)
        {
            DisposeValueSynchronously(value, "dispose");
        }

        _disposeCts.Dispose();
    }

    internal void Release()
    {
        T? toDispose = null;
        lock (_sync)
        {
            _leases--;
            if (_leases == 0)
            {
                _lastReleased = _timeProvider.GetTimestamp();
                if (_unloadWhenReleased)
                {
                    toDispose = TakeValue();
                }
                else if (_value is not null)
                {
                    ArmIdleTimer(_idleTimeout);
                }
            }
        }

        if (toDispose is not null)
        {
            _ = DisposeValueAsync(toDispose, "deferred");
        }
    }

    // Waiters wait on a plain signal, not on a Task<T>: a task holding the value, kept in a waiter's state machine
    // or stack, would keep an unloaded resource alive. Continuations run asynchronously, so no caller's code runs
    // inside the loader's frame (which holds the value too).
    private Task StartLoad()
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // The token is taken here, under the lock and before any dispose, so a dispose that races the load finds it
        // cancelled rather than a disposed source.
        _ = LoadAsync(signal, _disposeCts.Token);
        return signal.Task;
    }

    private async Task LoadAsync(TaskCompletionSource signal, CancellationToken disposeToken)
    {
        // Yield so that the factory never runs under the caller's lock or on its stack.
        await Task.Yield();
        var started = _timeProvider.GetTimestamp();
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        try
        {
            var value = await _factory(disposeToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"The factory of lazy resource '{Name}' returned null.");
            var elapsed = _timeProvider.GetElapsedTime(started);
            bool disposedMeanwhile;
            lock (_sync)
            {
                _loading = null;
                disposedMeanwhile = _disposed;
                if (!disposedMeanwhile)
                {
                    _value = value;
                    _loadedBytes = _options.EstimatedSizeBytes > 0 ? _options.EstimatedSizeBytes : Math.Max(0, GC.GetTotalAllocatedBytes() - allocatedBefore);
                    _unloadWhenReleased = false;
                }
            }

            if (disposedMeanwhile)
            {
                // Work that finishes after dispose is disposed, not stored; the waiters then see the resource disposed.
                await DisposeValueAsync(value, "dispose").ConfigureAwait(false);
                signal.SetResult();
                return;
            }

            _metrics.ResourceLoads.Add(1, _nameTag, new(PerfKitMemoryDiagnostics.Tags.Result, "success"));
            _metrics.ResourceLoadDuration.Record(elapsed.TotalSeconds, _nameTag);
            Log.ResourceLoaded(_logger, Name, elapsed.TotalMilliseconds);
            signal.SetResult();
        }
        catch (OperationCanceledException) when (disposeToken.IsCancellationRequested)
        {
            // Cancelled by this object's dispose: an ordinary shutdown, not a failed load. No warning; counted as
            // result=cancelled; the waiters wake, find the resource disposed and get ObjectDisposedException.
            lock (_sync)
            {
                _loading = null;
            }

            _metrics.ResourceLoads.Add(1, _nameTag, new(PerfKitMemoryDiagnostics.Tags.Result, "cancelled"));
            Log.ResourceLoadCancelled(_logger, Name);
            signal.SetResult();
        }
#pragma warning disable CA1031 // The failure is handed, unchanged, to every waiter through the signal.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            lock (_sync)
            {
                _loading = null;
            }

            _metrics.ResourceLoads.Add(1, _nameTag, new(PerfKitMemoryDiagnostics.Tags.Result, "failure"));
            Log.ResourceLoadFailed(_logger, ex, Name);
            signal.SetException(ex);
        }
    }

    private void OnIdleTimer()
    {
        lock (_sync)
        {
            if (_leases > 0 || _value is null)
            {
                return;
            }

            var idle = _timeProvider.GetElapsedTime(_lastReleased);
            if (idle < _idleTimeout)
            {
                // Early (a due time capped by ArmIdleTimer, or a timer that fired before a release re-armed it): wait the rest.
                ArmIdleTimer(_idleTimeout - idle);
                return;
            }
        }

        _ = UnloadAsync("idle").AsTask();
    }

    private async ValueTask<bool> UnloadAsync(string reason)
    {
        T? value;
        lock (_sync)
        {
            if (_value is null)
            {
                return false;
            }

            if (_leases > 0)
            {
                _unloadWhenReleased = true;
                return false;
            }

            value = TakeValue();
        }

        await DisposeValueAsync(value!, reason).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Arms the idle timer; called under <c>_sync</c>. It never throws, because it runs in a lease's
    /// <c>Dispose</c>: the due time is capped at what a timer accepts (the options validator keeps
    /// <see cref="LazyResourceOptions.IdleTimeout"/> below it; <c>OnIdleTimer</c> waits the rest if it is
    /// ever longer), and a timer disposed meanwhile is ignored.
    /// </summary>
    private void ArmIdleTimer(TimeSpan dueTime)
    {
        if (_idleTimer is null)
        {
            return;
        }

        var capped = dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime > MaximumTimerDueTime ? MaximumTimerDueTime : dueTime;
        try
        {
            _idleTimer.Change(capped, Timeout.InfiniteTimeSpan);
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or ObjectDisposedException)
        {
            // A custom TimeProvider may refuse the due time or a disposed timer; the resource then stays loaded
            // until the next release, pressure or dispose, which is safe.
        }
    }

    private T? TakeValue()
    {
        var value = _value;
        _value = null;
        _unloadWhenReleased = false;
        _idleTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return value;
    }

    private bool MarkDisposed()
    {
        lock (_sync)
        {
            if (_disposed)
            {
                return false;
            }

            _disposed = true;
            return true;
        }
    }

    private void DisposeValueSynchronously(T value, string reason)
    {
        try
        {
            switch (value)
            {
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
                case IAsyncDisposable asyncDisposable:
                    // On the thread pool, with no SynchronizationContext or TaskScheduler of the caller to capture: a
                    // DisposeAsync that awaits without ConfigureAwait(false) would otherwise post its continuation to
                    // the very thread blocked here.
                    Task.Run(() => asyncDisposable.DisposeAsync().AsTask()).GetAwaiter().GetResult();
                    break;
            }
        }
#pragma warning disable CA1031 // A resource that fails to dispose is logged; it is unloaded either way.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.ResourceDisposeFailed(_logger, ex, Name);
        }

        _metrics.ResourceUnloads.Add(1, _nameTag, new(PerfKitMemoryDiagnostics.Tags.Reason, reason));
        Log.ResourceUnloaded(_logger, Name, reason);
    }

    private async Task DisposeValueAsync(T value, string reason)
    {
        try
        {
            switch (value)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
#pragma warning disable CA1031 // A resource that fails to dispose is logged; it is unloaded either way.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.ResourceDisposeFailed(_logger, ex, Name);
        }

        _metrics.ResourceUnloads.Add(1, _nameTag, new(PerfKitMemoryDiagnostics.Tags.Reason, reason));
        Log.ResourceUnloaded(_logger, Name, reason);
    }
}
