using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PerfKit.Memory.Internal;
using PerfKit.Shared;

namespace PerfKit.Memory;

/// <summary>
/// The memory budget and its pressure monitor. With DI, <c>AddPerfKitMemory</c> registers it and a hosted service
/// that starts it; without DI, create it and call <see cref="Start"/>. The monitor samples on a <see cref="TimeProvider"/>
/// timer every <see cref="MemoryBudgetOptions.SamplingInterval"/> and after gen2 collections, and it alone starts
/// automatic reclaims (a caller's <see cref="Sample"/> only reads).
/// </summary>
public sealed partial class MemoryBudget : IMemoryBudget, IDisposable, IAsyncDisposable
{
    private readonly MemoryBudgetOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly IMemoryProbe _probe;
    private readonly ILogger _logger;
    private readonly MemoryMetrics _metrics;
    private readonly Lock _sync = new();
    private readonly Lock _sampleSync = new();
    private IObserver<MemoryPressureChange>[] _observers = [];
    private IMemoryPressureResponder[] _responders;
    private Func<IEnumerable<IMemoryPressureResponder>>? _lateResponders;
    private ITimer? _timer;
    private CancellationTokenSource? _runCts;
    private volatile bool _running;
    private volatile bool _disposed;
    private int _run;
    private long _heapHardLimit;
    private int _lastGen2Count;
    private MemoryReading _lastReading;
    private long _budgetBytes;
    private long _usageBytes;
    private int _level;
    private int _gen2Callbacks;

    /// <summary>Creates a budget. Options are validated here: bad options throw <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> naming every bad option.</summary>
    /// <param name="options">The options.</param>
    /// <param name="dependencies">The clock (of the sampling timer and reclaim timings), the memory probe, logging and metering; each defaults when absent.</param>
    /// <remarks>Add responders with <see cref="Register"/>.</remarks>
    public MemoryBudget(MemoryBudgetOptions options, PerfKitMemoryDependencies? dependencies = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        MemoryBudgetOptionsValidator.ThrowIfInvalid(options);
        _options = options;
        _timeProvider = dependencies?.TimeProvider ?? TimeProvider.System;
        _probe = dependencies?.MemoryProbe ?? RuntimeMemoryProbe.Instance;
        _responders = [];
        _logger = (dependencies?.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("PerfKit.Memory.MemoryBudget");
        _metrics = MemoryMetrics.For(dependencies?.MeterFactory);
        Measure(_probe.Read());
        _metrics.Track(this);
    }

    /// <summary>DI's constructor: registered responders are resolved at the first reclaim, so a responder may itself depend on the budget.</summary>
    internal MemoryBudget(MemoryBudgetOptions options, PerfKitMemoryDependencies dependencies, Func<IEnumerable<IMemoryPressureResponder>> lateResponders)
        : this(options, dependencies) => _lateResponders = lateResponders;

    /// <inheritdoc />
    public long BudgetBytes => Volatile.Read(ref _budgetBytes);

    /// <inheritdoc />
    public long UsageBytes => Volatile.Read(ref _usageBytes);

    /// <inheritdoc />
    public MemoryPressureLevel Level => (MemoryPressureLevel)Volatile.Read(ref _level);

    /// <inheritdoc />
    public MemoryReading LastReading
    {
        get
        {
            lock (_sync)
            {
                return _lastReading;
            }
        }
    }

    /// <summary>The options in force.</summary>
    public MemoryBudgetOptions Options => _options;

    internal bool IsRunning => _running;

    /// <summary>Counts the runs (Start calls that started); a gen2 callback serves one run.</summary>
    internal int Run => Volatile.Read(ref _run);

    /// <summary>How many gen2 callbacks are alive for this budget (a test hook).</summary>
    internal int Gen2CallbackCount => Volatile.Read(ref _gen2Callbacks);

    /// <summary>Applies the heap hard limit; replaced in tests, which must not limit their own process.</summary>
    internal Action<long>? HeapHardLimitApplier { get; set; }

    /// <summary>
    /// Starts the monitor (timer and gen2 callback), which samples and, at <see cref="MemoryPressureLevel.High"/>,
    /// reclaims by itself. Applies the heap hard limit if the options ask for it. Calling it twice is harmless.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The budget was disposed.</exception>
    public void Start()
    {
        int run;
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_running)
            {
                return;
            }

            _running = true;
            run = ++_run;
            _runCts = new CancellationTokenSource();
            _lastGen2Count = GC.CollectionCount(2);
            _timer = _timeProvider.CreateTimer(static s => ((MemoryBudget)s!).MonitorTick(), this, _options.SamplingInterval, _options.SamplingInterval);
        }

        Gen2GcCallback.Register(this, run);
        if (_options.ApplyHeapHardLimit)
        {
            ApplyHeapHardLimit(BudgetBytes);
        }

        MonitorTick();
    }

    /// <summary>Stops the monitor and cancels an automatic reclaim it is running. Readings, manual reclaim and responders keep working on demand. Harmless after <see cref="Dispose"/>.</summary>
    public void Stop()
    {
        CancellationTokenSource? runCts;
        lock (_sync)
        {
            _running = false;
            _timer?.Dispose();
            _timer = null;
            runCts = _runCts;
            _runCts = null;
        }

        // Not disposed: a reclaim being cancelled may still link to its token; it holds no timer.
        runCts?.Cancel();
    }

    /// <summary>Like <see cref="Dispose"/>, for <c>await using</c> and asynchronous owners; nothing in the budget's dispose waits.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Stops the monitor (see <see cref="Stop"/>) and completes every observer; an observer that throws is logged and
    /// does not stop the others. Afterwards <see cref="Start"/>, <see cref="Sample"/>, <c>ReclaimAsync</c>,
    /// <see cref="Register"/> and <see cref="Subscribe"/> throw <see cref="ObjectDisposedException"/>; the last readings
    /// stay readable. Calling it twice is harmless.
    /// </summary>
    public void Dispose()
    {
        IObserver<MemoryPressureChange>[] observers;
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            // Under the lock that Start takes, so a Start racing the dispose either runs first (and is stopped below)
            // or sees the flag.
            _disposed = true;
        }

        Stop();
        lock (_sync)
        {
            observers = _observers;
            _observers = [];
        }

        foreach (var observer in observers)
        {
            try
            {
                observer.OnCompleted();
            }
#pragma warning disable CA1031 // An observer's fault must not stop the others or the dispose.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.ObserverFailed(_logger, ex);
            }
        }
    }

    /// <inheritdoc />
    public MemoryPressureLevel Sample()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return SampleCore().Level;
    }

    /// <inheritdoc />
    public IDisposable Register(IMemoryPressureResponder responder)
    {
        ArgumentNullException.ThrowIfNull(responder);
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            CopyOnWriteArray.Add(ref _responders, responder);
        }

        return new Registration(this, responder);
    }

    /// <inheritdoc />
    public IDisposable Subscribe(IObserver<MemoryPressureChange> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            CopyOnWriteArray.Add(ref _observers, observer);
        }

        return new Subscription(this, observer);
    }

    private IMemoryPressureResponder[] SnapshotResponders()
    {
        lock (_sync)
        {
            if (_lateResponders is { } late)
            {
                _lateResponders = null;
                _responders = [.. late(), .. _responders];
            }

            return [.. _responders.OrderBy(static r => r.Priority)];
        }
    }

    internal void OnGen2CallbackCountChanged(int delta) => Interlocked.Add(ref _gen2Callbacks, delta);

    internal void OnGarbageCollected()
    {
        var count = GC.CollectionCount(2);
        if (count != Interlocked.Exchange(ref _lastGen2Count, count))
        {
            ThreadPool.UnsafeQueueUserWorkItem(static b => b.MonitorTick(), this, preferLocal: false);
        }
    }

    /// <summary>Reads, updates the level and publishes a change; never acts.</summary>
    private (MemoryPressureLevel Level, long Budget) SampleCore()
    {
        var reading = _probe.Read();
        MemoryPressureLevel level;
        long budget;
        lock (_sampleSync)
        {
            var previous = Level;
            (level, budget, var usage) = Measure(reading);
            if (level != previous)
            {
                Log.PressureChanged(_logger, previous, level, usage, budget);
                Publish(new MemoryPressureChange(previous, level, usage, budget, _timeProvider.GetUtcNow()));
            }
        }

        if (level < MemoryPressureLevel.High)
        {
            ResetReclaimBackoff();
        }

        return (level, budget);
    }

    private (MemoryPressureLevel Level, long Budget, long Usage) Measure(MemoryReading reading)
    {
        var budget = ResolveBudget(reading);
        var usage = reading.UsageBytes(_options.UsageSource);
        var level = PressureLevels.Next(Level, usage / (double)budget, _options);
        lock (_sync)
        {
            _lastReading = reading;
        }

        Volatile.Write(ref _budgetBytes, budget);
        Volatile.Write(ref _usageBytes, usage);
        Volatile.Write(ref _level, (int)level);
        return (level, budget, usage);
    }

    private long ResolveBudget(MemoryReading reading)
    {
        // Once the budget is the GC's hard limit, the GC reports that limit as the memory available: deriving the
        // budget from it again would shrink it at every sample (a fraction of a fraction).
        if (Volatile.Read(ref _heapHardLimit) is > 0 and var hardLimit)
        {
            return hardLimit;
        }

        var available = reading.ContainerLimitBytes is { } limit
            ? Math.Min(limit, reading.TotalAvailableBytes > 0 ? reading.TotalAvailableBytes : limit)
            : reading.TotalAvailableBytes;
        long? fromFraction = _options.BudgetFraction is { } f ? (long)(available * f) : null;
        var budget = (_options.BudgetBytes, fromFraction) switch
        {
            ({ } bytes, { } fraction) => Math.Min(bytes, fraction),
            ({ } bytes, null) => bytes,
            (null, { } fraction) => fraction,
            _ => (long)(available * MemoryBudgetOptions.DefaultBudgetFraction),
        };
        return Math.Max(1, budget);
    }

    private void Publish(MemoryPressureChange change)
    {
        IObserver<MemoryPressureChange>[] observers;
        lock (_sync)
        {
            observers = _observers;
        }

        foreach (var observer in observers)
        {
            try
            {
                observer.OnNext(change);
            }
#pragma warning disable CA1031 // An observer's fault must not stop the others or the monitor.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.ObserverFailed(_logger, ex);
            }
        }
    }

    /// <summary>The monitor's step (timer tick, gen2 collection, start): sample, then reclaim automatically at High.</summary>
    private void MonitorTick()
    {
        if (!_running)
        {
            return;
        }

        try
        {
            var (level, budget) = SampleCore();
            if (level >= MemoryPressureLevel.High)
            {
                MaybeReclaimAutomatically(budget);
            }
        }
#pragma warning disable CA1031 // The monitor outlives any single failed sample.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.SampleFailed(_logger, ex);
        }
    }

    private static void SetGcHeapHardLimit(long limitBytes)
    {
        AppContext.SetData("GCHeapHardLimit", (ulong)limitBytes);
        GC.RefreshMemoryLimit();
    }

    private void ApplyHeapHardLimit(long limitBytes)
    {
        try
        {
            (HeapHardLimitApplier ?? SetGcHeapHardLimit)(limitBytes);
            Volatile.Write(ref _heapHardLimit, limitBytes);
            Log.HeapHardLimitApplied(_logger, limitBytes);
        }
        catch (InvalidOperationException ex)
        {
            Log.HeapHardLimitFailed(_logger, ex, limitBytes);
        }
    }

    private sealed class Registration(MemoryBudget owner, IMemoryPressureResponder responder) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._sync)
            {
                CopyOnWriteArray.Remove(ref owner._responders, responder);
            }
        }
    }

    private sealed class Subscription(MemoryBudget owner, IObserver<MemoryPressureChange> observer) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._sync)
            {
                CopyOnWriteArray.Remove(ref owner._observers, observer);
            }
        }
    }
}
