using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace PerfKit.Testing.Load;

/// <summary>Runs a scenario under a load model, inside any test, and measures it in constant memory.</summary>
public static class LoadTest
{
    /// <summary>Runs <paramref name="scenario"/> under <paramref name="model"/> until the model's limit or cancellation.</summary>
    /// <param name="name">The run's name, for reports.</param>
    /// <param name="scenario">One iteration. Throwing fails the iteration (counted by exception type, with its first few messages in <see cref="LoadResult.FailureMessages"/>), never the run; <see cref="ScenarioContext.Fail"/> fails it with a reason. In the open model each arrival starts on a thread-pool thread, so work before the first await does not hold up later arrivals (with a <see cref="VirtualLoadClock"/> arrivals run inline, deterministically).</param>
    /// <param name="model">A <see cref="ClosedModel"/> or an <see cref="OpenModel"/>; bad values throw naming the property.</param>
    /// <param name="clock">The clock; default the system clock (pass a <see cref="VirtualLoadClock"/> for deterministic generator tests).</param>
    /// <param name="cancellationToken">Stops the run early; what ran is reported.</param>
    /// <returns>The result.</returns>
    public static Task<LoadResult> RunAsync(string name, Func<ScenarioContext, ValueTask> scenario, LoadModel model, LoadClock? clock = null, CancellationToken cancellationToken = default) =>
        RunOnProcessorsAsync(name, scenario, model, clock, Environment.ProcessorCount, cancellationToken);

    /// <summary>As the public overload, with the processor count that sizes the recorder given (tests force a large machine's).</summary>
    internal static Task<LoadResult> RunOnProcessorsAsync(string name, Func<ScenarioContext, ValueTask> scenario, LoadModel model, LoadClock? clock, int processorCount, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(model);
        model.Validate();
        clock ??= LoadClock.System();
        return model switch
        {
            ClosedModel closed => RunClosedAsync(name, scenario, closed, clock, processorCount, cancellationToken),
            OpenModel open => RunOpenAsync(name, scenario, open, clock, processorCount, cancellationToken),
            _ => throw new ArgumentException($"Unknown load model {model.GetType().Name}.", nameof(model)),
        };
    }

    private static async Task<LoadResult> RunClosedAsync(string name, Func<ScenarioContext, ValueTask> scenario, ClosedModel model, LoadClock clock, int processorCount, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var start = clock.Elapsed;
        var measuredFrom = start + model.WarmUp;
        var recorder = new Recorder(withOpenModelHistograms: false, model.AbortWhen, stop, processorCount) { MeasuredFrom = measuredFrom };
        var schedule = model.IsRamping ? model.Schedule() : null;
        using var graceful = new GracefulStop(clock, stop, model.GracefulStop);
        if (model.Duration is { } runFor)
        {
            graceful.Arm(measuredFrom + runFor);
        }

        long next = -1;
        var users = new Task[model.VirtualUsers];
        for (var vu = 0; vu < users.Length; vu++)
        {
            var user = vu;
            users[vu] = Task.Run(async () =>
            {
                var context = new ScenarioContext(clock, stop.Token);
                while (!stop.IsCancellationRequested)
                {
                    if (schedule is not null)
                    {
                        // Ramping: this user runs only while the schedule has at least user + 1 users.
                        var at = clock.Elapsed - start;
                        if (user >= schedule.UsersAt(at))
                        {
                            if (schedule.FirstTimeWithUsers(user + 1, at) is not { } joins || !await TryWaitAsync(clock, start + joins, stop.Token).ConfigureAwait(false))
                            {
                                break;
                            }

                            continue;
                        }
                    }

                    var warmingUp = clock.Elapsed < measuredFrom;
                    var iteration = warmingUp ? -1 : Interlocked.Increment(ref next);
                    if (!warmingUp && ((model.Iterations is { } limit && iteration >= limit) || (model.Duration is { } duration && clock.Elapsed - measuredFrom >= duration)))
                    {
                        graceful.Arm(clock.Elapsed);
                        break;
                    }

                    context.Reset(iteration, user);
                    var began = clock.Elapsed;
                    var outcome = await RunOnceAsync(scenario, context, graceful).ConfigureAwait(false);
                    if (outcome.Reason is Canceled)
                    {
                        break;
                    }

                    if (!warmingUp)
                    {
                        recorder.Record(user, began, clock.Elapsed - began, null, null, outcome);
                    }

                    if (model.ThinkTime > TimeSpan.Zero && !await TryWaitAsync(clock, clock.Elapsed + model.ThinkTime, stop.Token).ConfigureAwait(false))
                    {
                        break;
                    }
                }
            }, CancellationToken.None);
        }

        await Task.WhenAll(users).ConfigureAwait(false);
        graceful.Complete();
        var describe = schedule is null
            ? string.Create(CultureInfo.InvariantCulture, $"closed, {model.VirtualUsers} virtual users")
            : string.Create(CultureInfo.InvariantCulture, $"closed, ramping {Describe(model.StartUsers, model.Stages)} virtual users");
        return recorder.Result(name, describe, clock.Elapsed - measuredFrom, dropped: 0, invalidReason: null, closed: true);
    }

    private static async Task<LoadResult> RunOpenAsync(string name, Func<ScenarioContext, ValueTask> scenario, OpenModel model, LoadClock clock, int processorCount, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var start = clock.Elapsed;
        var measuredFrom = start + model.WarmUp;
        var recorder = new Recorder(withOpenModelHistograms: true, model.AbortWhen, stop, processorCount) { MeasuredFrom = measuredFrom };
        var running = 1; // the generator's own share, released when it has scheduled everything
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long dropped = 0;
        long warmUpArrivals = 0;
        long index = 0;
        var spin = model.SpinWindow > TimeSpan.Zero && clock.MovesByItself;
        using var graceful = new GracefulStop(clock, stop, model.GracefulStop);

        // A virtual clock is moved by the scenarios themselves: they run inline, so the simulation stays deterministic
        // (a scenario that advances the clock by a second holds the generator for that second, as a stall would).
        var inline = clock is VirtualLoadClock;
        Action<Arrival> startArrival = a => _ = RunArrivalAsync(a.Iteration, a.Intended, a.Measured);

        foreach (var offset in model.Schedule().Arrivals())
        {
            var intended = start + offset;
            if (!await (spin ? SpinUntilAsync(clock, intended, model.SpinWindow, stop.Token) : TryWaitAsync(clock, intended, stop.Token)).ConfigureAwait(false))
            {
                break;
            }

            var measured = offset >= model.WarmUp;
            var i = index++;
            if (!measured)
            {
                warmUpArrivals++;
            }

            if (Volatile.Read(ref running) - 1 >= model.MaxConcurrency)
            {
                dropped += measured ? 1 : 0;
                continue;
            }

            Interlocked.Increment(ref running);
            var arrival = new Arrival(measured ? i - warmUpArrivals : -1, intended, measured);
            if (inline)
            {
                startArrival(arrival);
            }
            else
            {
                // Off the generator: a scenario's synchronous prefix (CPU work, a lock, a blocking call before its
                // first await) holds its own thread, never the schedule. The execution context flows, as in Task.Run.
                ThreadPool.QueueUserWorkItem(startArrival, arrival, preferLocal: false);
            }
        }

        graceful.Arm(clock.Elapsed);
        if (Interlocked.Decrement(ref running) == 0)
        {
            drained.TrySetResult();
        }

        await drained.Task.ConfigureAwait(false);
        graceful.Complete();
        var lagP99 = recorder.SchedulerLagPercentile(99);
        var invalid = dropped > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{dropped:N0} arrivals were dropped: {model.MaxConcurrency:N0} iterations were already running (OpenModel.MaxConcurrency)")
            : lagP99 > model.MaxSchedulerLag
                ? string.Create(CultureInfo.InvariantCulture, $"the generator started iterations late (p99 lag {lagP99.TotalMilliseconds:0.#} ms > OpenModel.MaxSchedulerLag {model.MaxSchedulerLag.TotalMilliseconds:0.#} ms): it, not the system under test, set the pace")
                : null;
        var describe = model.Stages.Count == 1 && model.StartRate == model.Stages[0].Target
            ? string.Create(CultureInfo.InvariantCulture, $"open, {model.RatePerSecond:0.##}/s for {model.Duration.TotalSeconds:0.##} s")
            : string.Create(CultureInfo.InvariantCulture, $"open, ramping {Describe(model.StartRate, model.Stages)}/s over {model.Duration.TotalSeconds:0.##} s");
        return recorder.Result(name, describe, clock.Elapsed - measuredFrom, dropped, invalid, closed: false);

        async Task RunArrivalAsync(long iteration, TimeSpan intended, bool measured)
        {
            var actual = clock.Elapsed; // when the iteration really starts: scheduler lag includes any wait for a thread
            try
            {
                var context = new ScenarioContext(clock, stop.Token);
                context.Reset(iteration, -1);
                var outcome = await RunOnceAsync(scenario, context, graceful).ConfigureAwait(false);
                if (measured && outcome.Reason is not Canceled)
                {
                    var end = clock.Elapsed;
                    recorder.Record(Environment.CurrentManagedThreadId, intended, end - intended, end - actual, actual - intended, outcome);
                }
            }
            finally
            {
                if (Interlocked.Decrement(ref running) == 0)
                {
                    drained.TrySetResult();
                }
            }
        }
    }

    private const string Canceled = "\0canceled";

    /// <summary>The failure reason of iterations still running <see cref="LoadModel.GracefulStop"/> after the run's limit.</summary>
    internal const string Interrupted = "interrupted at graceful stop";

    private static string Describe(double start, IReadOnlyList<LoadStage> stages) =>
        string.Join("→", stages.Select(st => st.Target).Prepend(start).Select(v => v.ToString("0.##", CultureInfo.InvariantCulture)));

    // Pooled: a scenario that really awaits (any I/O) would otherwise cost a state-machine box per iteration.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<Outcome> RunOnceAsync(Func<ScenarioContext, ValueTask> scenario, ScenarioContext context, GracefulStop graceful)
    {
        try
        {
            await scenario(context).ConfigureAwait(false);
            return new Outcome(context.FailureReason, null);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // Cut off by the graceful stop: a failure whose latency (so far) is recorded as a lower bound.
            return new Outcome(graceful.Fired ? Interrupted : Canceled, null);
        }
#pragma warning disable CA1031 // A scenario that throws is a failed iteration, counted by exception type, never a crashed run.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // The message is kept (a few per type) so that a report says why; Message is only read on failure.
            return new Outcome(ex.GetType().Name, ex.Message);
        }
    }

    /// <summary>An arrival handed from the generator to a thread-pool thread.</summary>
    private readonly record struct Arrival(long Iteration, TimeSpan Intended, bool Measured);

    /// <summary>How an iteration ended: null reason for a pass; the exception message when it threw.</summary>
    private readonly record struct Outcome(string? Reason, string? Message);

    // Sleep until the spin window, then yield the core in a loop until the moment: timer wake-ups are ~1 ms coarse.
    private static async ValueTask<bool> SpinUntilAsync(LoadClock clock, TimeSpan until, TimeSpan window, CancellationToken cancellationToken)
    {
        // Sleep whole milliseconds, rounded down, to the start of the window (timers wake late, never early enough to matter here).
        var now = clock.Elapsed;
        var sleep = Math.Floor((until - window - now).TotalMilliseconds);
        if (sleep >= 1 && !await TryWaitAsync(clock, now + TimeSpan.FromMilliseconds(sleep), cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        while (clock.Elapsed < until)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            Thread.Yield();
        }

        return true;
    }

    private static async ValueTask<bool> TryWaitAsync(LoadClock clock, TimeSpan until, CancellationToken cancellationToken)
    {
        try
        {
            await clock.WaitUntilAsync(until, cancellationToken).ConfigureAwait(false);
            return !cancellationToken.IsCancellationRequested;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Cancels the run's iterations once they have run <see cref="LoadModel.GracefulStop"/> past the run's limit.</summary>
    private sealed class GracefulStop(LoadClock clock, CancellationTokenSource stop, TimeSpan grace) : IDisposable
    {
        private readonly CancellationTokenSource _done = new();
        private readonly Lock _sync = new();
        private int _armed;
        private bool _completed;
        private volatile bool _fired;

        public bool Fired => _fired;

        /// <summary>Starts the countdown from the moment the limit is (or will be) reached; once. A virtual clock would jump straight to it, so it has none.</summary>
        public void Arm(TimeSpan limitReachedAt)
        {
            if (clock is VirtualLoadClock || Interlocked.Exchange(ref _armed, 1) == 1)
            {
                return;
            }

            _ = FireAsync(limitReachedAt + grace);
        }

        public void Complete()
        {
            lock (_sync)
            {
                _completed = true;
            }

            _done.Cancel();
        }

        public void Dispose()
        {
            Complete();
            _done.Dispose();
        }

        private async Task FireAsync(TimeSpan at)
        {
            try
            {
                await clock.WaitUntilAsync(at, _done.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            lock (_sync)
            {
                if (!_completed)
                {
                    _fired = true;
                    stop.Cancel();
                }
            }
        }
    }

    /// <summary>Striped histograms (one lock each), so workers rarely contend; merged once at the end.</summary>
    private sealed class Recorder
    {
        private readonly Stripe[] _stripes;
        private readonly ConcurrentDictionary<string, long> _failures = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, List<string>> _messages = new(StringComparer.Ordinal);
        private readonly IReadOnlyList<LoadThreshold> _abortWhen;
        private readonly CancellationTokenSource _stop;
        private readonly Lock _checkSync = new();
        private LatencyHistogram? _checkBuffer;
        private long _iterations;
        private long _failed;
        private long _checkedSecond;
        private string? _abortedBecause;

        public Recorder(bool withOpenModelHistograms, IReadOnlyList<LoadThreshold> abortWhen, CancellationTokenSource stop, int processorCount)
        {
            _abortWhen = abortWhen;
            _stop = stop;
            _stripes = new Stripe[StripeCount(processorCount)];
            for (var i = 0; i < _stripes.Length; i++)
            {
                _stripes[i] = new Stripe(withOpenModelHistograms);
            }
        }

        public TimeSpan MeasuredFrom { get; set; }

        /// <summary>
        /// Two stripes a core keep workers apart, but each stripe holds up to three 220 KB histograms: uncapped, a
        /// 64-core machine would spend 85 MB on them. Past <see cref="MaxStripes"/> the locks (held for a few
        /// nanoseconds a record) are not what limits a run.
        /// </summary>
        internal static int StripeCount(int processorCount) => Math.Clamp(processorCount * 2, 2, MaxStripes);

        internal const int MaxStripes = 16;

        public void Record(int worker, TimeSpan began, TimeSpan latency, TimeSpan? uncorrected, TimeSpan? lag, Outcome outcome)
        {
            var failure = outcome.Reason;
            var stripe = _stripes[(int)((uint)worker % (uint)_stripes.Length)];
            var second = (int)Math.Max(0, (began - MeasuredFrom).Ticks / TimeSpan.TicksPerSecond);
            lock (stripe.Sync)
            {
                stripe.Count++;
                stripe.Latency.Record(latency);
                while (stripe.Timeline.Count <= second)
                {
                    stripe.Timeline.Add(default);
                }

                var bucket = stripe.Timeline[second];
                stripe.Timeline[second] = new SecondTotals(bucket.Iterations + 1, bucket.Failures + (failure is null ? 0 : 1), bucket.TotalTicks + latency.Ticks, Math.Max(bucket.MaxTicks, latency.Ticks));
                if (uncorrected is { } u)
                {
                    stripe.Uncorrected!.Record(u);
                }

                if (lag is { } l)
                {
                    stripe.Lag!.Record(l);
                }
            }

            if (failure is not null)
            {
                _failures.AddOrUpdate(failure, 1, static (_, n) => n + 1);
                if (outcome.Message is { } message)
                {
                    KeepMessage(failure, message);
                }
            }

            if (_abortWhen.Count > 0)
            {
                CheckThresholds(second, failure is not null);
            }
        }

        // The first distinct messages of each reason, bounded in number and length: a report says why, in constant memory.
        private void KeepMessage(string reason, string message)
        {
            var kept = _messages.GetOrAdd(reason, static _ => new List<string>(LoadResult.MaxFailureMessagesPerReason));
            lock (kept)
            {
                if (kept.Count >= LoadResult.MaxFailureMessagesPerReason)
                {
                    return;
                }

                var text = message.Length <= LoadResult.MaxFailureMessageLength ? message : string.Concat(message.AsSpan(0, LoadResult.MaxFailureMessageLength - 1), "…");
                if (!kept.Contains(text))
                {
                    kept.Add(text);
                }
            }
        }

        // Once per second of the run (by the first iteration recorded in it), on everything measured so far.
        private void CheckThresholds(int second, bool failed)
        {
            Interlocked.Increment(ref _iterations);
            if (failed)
            {
                Interlocked.Increment(ref _failed);
            }

            var checkedSecond = Volatile.Read(ref _checkedSecond);
            if (second <= checkedSecond || Interlocked.CompareExchange(ref _checkedSecond, second, checkedSecond) != checkedSecond)
            {
                return;
            }

            // One check at a time (two seconds can be checked at once by different workers), on one reused merge
            // buffer: a 220 KB copy a second would otherwise be garbage.
            lock (_checkSync)
            {
                var iterations = Volatile.Read(ref _iterations);
                var failures = Volatile.Read(ref _failed);
                LatencyHistogram? latency = null;
                foreach (var threshold in _abortWhen)
                {
                    if (threshold.NeedsLatency && latency is null && iterations >= threshold.MinIterations)
                    {
                        _checkBuffer ??= new LatencyHistogram();
                        _checkBuffer.Reset();
                        latency = MergeInto(_checkBuffer, s => s.Latency);
                    }

                    if (threshold.Broken(iterations, failures, latency) is { } reason)
                    {
                        if (Interlocked.CompareExchange(ref _abortedBecause, reason, null) is null)
                        {
                            _stop.Cancel();
                        }

                        return;
                    }
                }
            }
        }

        public TimeSpan SchedulerLagPercentile(double percentile) => Merge(s => s.Lag)?.Percentile(percentile) ?? TimeSpan.Zero;

        public LoadResult Result(string name, string model, TimeSpan duration, long dropped, string? invalidReason, bool closed) =>
            new(name, model, _stripes.Sum(s => s.Count), new Dictionary<string, long>(_failures, StringComparer.Ordinal), Merge(s => s.Latency)!, Merge(s => s.Uncorrected), Merge(s => s.Lag), dropped, duration, invalidReason, Timeline())
            {
                AbortedBecause = Volatile.Read(ref _abortedBecause),
                FailureMessages = _messages.ToDictionary(m => m.Key, m => { lock (m.Value) { return (IReadOnlyList<string>)[.. m.Value]; } }, StringComparer.Ordinal),
                IsClosedModel = closed,
            };

        private List<LoadSecond> Timeline()
        {
            var seconds = _stripes.Max(s => s.Timeline.Count);
            var timeline = new List<LoadSecond>(seconds);
            for (var second = 0; second < seconds; second++)
            {
                long iterations = 0, failures = 0, total = 0, max = 0;
                foreach (var stripe in _stripes)
                {
                    lock (stripe.Sync)
                    {
                        if (second < stripe.Timeline.Count)
                        {
                            var bucket = stripe.Timeline[second];
                            iterations += bucket.Iterations;
                            failures += bucket.Failures;
                            total += bucket.TotalTicks;
                            max = Math.Max(max, bucket.MaxTicks);
                        }
                    }
                }

                timeline.Add(new LoadSecond(second, iterations, failures, iterations == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(total / iterations), TimeSpan.FromTicks(max)));
            }

            return timeline;
        }

        private LatencyHistogram? Merge(Func<Stripe, LatencyHistogram?> pick) =>
            pick(_stripes[0]) is null ? null : MergeInto(new LatencyHistogram(), pick);

        private LatencyHistogram MergeInto(LatencyHistogram merged, Func<Stripe, LatencyHistogram?> pick)
        {
            foreach (var stripe in _stripes)
            {
                lock (stripe.Sync)
                {
                    merged.Add(pick(stripe)!);
                }
            }

            return merged;
        }

        private readonly record struct SecondTotals(long Iterations, long Failures, long TotalTicks, long MaxTicks);

        private sealed class Stripe(bool open)
        {
            public readonly List<SecondTotals> Timeline = [];
            public readonly Lock Sync = new();
            public readonly LatencyHistogram Latency = new();
            public readonly LatencyHistogram? Uncorrected = open ? new LatencyHistogram() : null;
            public readonly LatencyHistogram? Lag = open ? new LatencyHistogram() : null;
            public long Count;
        }
    }
}
