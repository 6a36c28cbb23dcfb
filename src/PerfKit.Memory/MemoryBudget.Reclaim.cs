using System.Runtime;
using PerfKit.Memory.Internal;

namespace PerfKit.Memory;

public sealed partial class MemoryBudget
{
    private readonly SemaphoreSlim _reclaimGate = new(1, 1);
    private long _lastAutomaticReclaim = long.MinValue;
    private long _reclaimIntervalTicks;

    /// <summary>The last automatic reclaim started (a test hook); <see langword="null"/> before the first.</summary>
    internal Task? AutomaticReclaimInFlight { get; private set; }

    /// <summary>The least time now between two automatic reclaims: <see cref="MemoryBudgetOptions.MinimumReclaimInterval"/>, doubled after each miss up to <see cref="MemoryBudgetOptions.MaximumReclaimInterval"/>.</summary>
    internal TimeSpan AutomaticReclaimInterval
    {
        get
        {
            var ticks = Interlocked.Read(ref _reclaimIntervalTicks);
            return ticks > 0 ? TimeSpan.FromTicks(ticks) : _options.MinimumReclaimInterval;
        }
    }

    /// <inheritdoc />
    /// <exception cref="ObjectDisposedException">The budget was disposed.</exception>
    public ValueTask<ReclaimReport> ReclaimAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return ReclaimAsync(Math.Max(1, (long)(BudgetBytes * _options.ReclaimTargetFraction)), cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="ObjectDisposedException">The budget was disposed.</exception>
    public ValueTask<ReclaimReport> ReclaimAsync(long targetBytes, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetBytes);
        return ReclaimCoreAsync(targetBytes, "manual", cancellationToken);
    }

    private void ResetReclaimBackoff() => Interlocked.Exchange(ref _reclaimIntervalTicks, 0);

    /// <summary>Called by the monitor only (never by a caller's read), at High pressure or above.</summary>
    private void MaybeReclaimAutomatically(long budget)
    {
        CancellationToken token;
        lock (_sync)
        {
            if (!_options.AutomaticReclaim || !_running || _runCts is null || AutomaticReclaimInFlight is { IsCompleted: false })
            {
                return;
            }

            var now = _timeProvider.GetTimestamp();
            var last = _lastAutomaticReclaim;
            if (last != long.MinValue && _timeProvider.GetElapsedTime(last, now) < AutomaticReclaimInterval)
            {
                return;
            }

            _lastAutomaticReclaim = now;
            token = _runCts.Token;
            var target = Math.Max(1, (long)(budget * _options.ReclaimTargetFraction));
            AutomaticReclaimInFlight = RunAutomaticReclaimAsync(target, token);
        }
    }

    private async Task RunAutomaticReclaimAsync(long target, CancellationToken cancellationToken)
    {
        try
        {
            var report = await ReclaimCoreAsync(target, "automatic", cancellationToken).ConfigureAwait(false);
            if (report.ReachedTarget)
            {
                ResetReclaimBackoff();
            }
            else
            {
                // The target is out of reach (memory no responder owns): emptying caches again at once would only
                // thrash. Wait twice as long before the next try, up to the cap; a reclaim that reaches its target,
                // or pressure falling below High, resets the interval.
                var next = TimeSpan.FromTicks(Math.Min(AutomaticReclaimInterval.Ticks * 2, _options.MaximumReclaimInterval.Ticks));
                Interlocked.Exchange(ref _reclaimIntervalTicks, next.Ticks);
                Log.AutomaticReclaimBackedOff(_logger, target, report.BytesAfter, next.TotalSeconds);
            }

            if (_running)
            {
                SampleCore();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.AutomaticReclaimCancelled(_logger);
        }
#pragma warning disable CA1031 // A background reclaim must never take the process down.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.AutomaticReclaimFailed(_logger, ex);
        }
    }

    private async ValueTask<ReclaimReport> ReclaimCoreAsync(long targetBytes, string trigger, CancellationToken cancellationToken)
    {
        // Reclaim blocks in full collections: never on the caller's thread, even when the gate is free.
        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        await _reclaimGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var started = _timeProvider.GetTimestamp();
            var steps = new List<ReclaimStep>();
            var before = Current();
            var current = before;

            if (current > targetBytes)
            {
                current = Step(steps, "gc", current, CollectForMeasurement);
            }

            foreach (var responder in SnapshotResponders())
            {
                if (current <= targetBytes)
                {
                    break;
                }

                cancellationToken.ThrowIfCancellationRequested();
                current = await RunResponderAsync(steps, responder, current, targetBytes, cancellationToken).ConfigureAwait(false);
            }

            if (current > targetBytes && _options.CompactAsLastResort)
            {
                current = Step(steps, "gc-compacting", current, static () =>
                {
                    GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
                    GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                });
            }

            var report = new ReclaimReport(_options.UsageSource, targetBytes, before, current, _timeProvider.GetElapsedTime(started), steps);
            var result = report.ReachedTarget ? "reached" : "missed";
            _metrics.Reclaims.Add(1, new(PerfKitMemoryDiagnostics.Tags.Trigger, trigger), new(PerfKitMemoryDiagnostics.Tags.Result, result));
            _metrics.ReclaimedBytes.Add(Math.Max(0, report.BytesFreed));
            _metrics.ReclaimDuration.Record(report.Duration.TotalSeconds, new KeyValuePair<string, object?>(PerfKitMemoryDiagnostics.Tags.Trigger, trigger));
            Log.ReclaimCompleted(_logger, result, targetBytes, before, current, report.Duration.TotalMilliseconds, steps.Count);
            return report;
        }
        finally
        {
            _reclaimGate.Release();
        }
    }

    private long Current() => _probe.Read().UsageBytes(_options.UsageSource);

    /// <summary>
    /// Makes what a step released visible to the measure. The managed heap shows it after any full collection;
    /// the working set and the container usage only once the GC gives the memory back to the OS, which an
    /// aggressive collection does at once. Without it, every responder would seem to free nothing and reclaim
    /// would unload everything before the last step.
    /// </summary>
    private void CollectForMeasurement()
    {
        if (_options.UsageSource == MemoryUsageSource.ManagedHeap)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);
        }
        else
        {
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
    }

    private long Step(List<ReclaimStep> steps, string name, long current, Action collect)
    {
        var started = _timeProvider.GetTimestamp();
        collect();
        var after = Current();
        steps.Add(new ReclaimStep(name, current - after, 0, _timeProvider.GetElapsedTime(started), ReclaimStepOutcome.Completed, null));
        return after;
    }

    private async ValueTask<long> RunResponderAsync(List<ReclaimStep> steps, IMemoryPressureResponder responder, long current, long targetBytes, CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        var outcome = ReclaimStepOutcome.Completed;
        Exception? error = null;
        long reported = 0;
        // The deadline starts before the responder is called: it covers the responder's synchronous part too, and a
        // clock that moves right after the call (a test's FakeTimeProvider) cannot move before the timer exists.
        using var deadline = new CancellationTokenSource(_options.ResponderTimeout, _timeProvider);
        using var responderCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<long> task;
        try
        {
            task = responder.RespondAsync(new MemoryPressureContext(Level, current, targetBytes), responderCts.Token).AsTask();
        }
#pragma warning disable CA1031 // A responder that throws synchronously is treated like one that faults.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            task = Task.FromException<long>(ex);
        }

        try
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            reported = await task.WaitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested && !task.IsCompleted)
        {
            outcome = ReclaimStepOutcome.TimedOut;
            await responderCts.CancelAsync().ConfigureAwait(false);
            _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            Log.ResponderTimedOut(_logger, responder.Name, _options.ResponderTimeout.TotalMilliseconds);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The wait may end before the linked source hears of the cancellation (callbacks run newest first), and
            // disposing it then would leave the responder uncancelled: tell it to stop, and observe its fault.
            await responderCts.CancelAsync().ConfigureAwait(false);
            _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }
#pragma warning disable CA1031 // A failing responder must not stop the reclaim.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            outcome = ReclaimStepOutcome.Failed;
            error = ex;
            Log.ResponderFailed(_logger, ex, responder.Name);
        }

        if (outcome != ReclaimStepOutcome.Completed)
        {
            _metrics.ResponderFailures.Add(1, new(PerfKitMemoryDiagnostics.Tags.Responder, responder.Name), new(PerfKitMemoryDiagnostics.Tags.Outcome, outcome == ReclaimStepOutcome.TimedOut ? "timeout" : "error"));
        }

        CollectForMeasurement();
        var after = Current();
        steps.Add(new ReclaimStep(responder.Name, current - after, reported, _timeProvider.GetElapsedTime(started), outcome, error));
        return after;
    }
}
