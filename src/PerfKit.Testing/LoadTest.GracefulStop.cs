namespace PerfKit.Testing;

public static partial class LoadTest
{
    // Cancels the run's iterations once they have run LoadModel.GracefulStop past the run's limit, and tells the runner
    // when to stop waiting for them: a scenario that ignores its token would otherwise hold the run for ever.
    private sealed class GracefulStop : IDisposable
    {
        private readonly LoadClock _clock;
        private readonly CancellationTokenSource _stop;
        private readonly TimeSpan _grace;
        private readonly CancellationTokenSource _done = new();
        private readonly TaskCompletionSource _giveUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenRegistration _caller;
        private readonly Lock _sync = new();
        private int _armed;
        private bool _completed;
        private volatile bool _fired;

        public GracefulStop(LoadClock clock, CancellationTokenSource stop, TimeSpan grace, CancellationToken callerToken)
        {
            _clock = clock;
            _stop = stop;
            _grace = grace;
            _caller = callerToken.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), _giveUp);
        }

        /// <summary>Whether the grace period ran out (so unfinished iterations count as interrupted).</summary>
        public bool Fired => _fired;

        /// <summary>Completes when the runner must stop waiting for unfinished iterations: the grace period ran out, or the caller cancelled.</summary>
        public Task GiveUp => _giveUp.Task;

        /// <summary>Starts the countdown from the moment the limit is (or will be) reached; once. A virtual clock would jump straight to it, so it has none.</summary>
        public void Arm(TimeSpan limitReachedAt)
        {
            if (_clock is VirtualLoadClock || Volatile.Read(ref _completed) || Interlocked.Exchange(ref _armed, 1) == 1)
            {
                return;
            }

            _ = FireAsync(limitReachedAt + _grace);
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
            _caller.Dispose();
            _done.Dispose();
        }

        private async Task FireAsync(TimeSpan at)
        {
            try
            {
                await _clock.WaitUntilAsync(at, _done.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                // Completed (or disposed, by a run that ended meanwhile) before the grace ran out: nothing to cut off.
                return;
            }

            lock (_sync)
            {
                if (_completed)
                {
                    return;
                }

                _fired = true;
                _stop.Cancel();
            }

            _giveUp.TrySetResult();
        }
    }

    /// <summary>
    /// One iteration in flight, so that the runner can give up on it: whichever of the iteration (<see cref="TryEnd"/>)
    /// and the runner (<see cref="Abandon"/>) comes first records it, never both.
    /// </summary>
    private sealed class InFlight
    {
        private const int Idle = 0;
        private const int Running = 1;
        private const int Abandoned = 2;
        private int _state;
        private long _actualTicks = -1;

        public TimeSpan Began { get; set; }

        public long Iteration { get; set; }

        public bool Measured { get; set; }

        /// <summary>When the iteration really started (open model), if it has.</summary>
        public TimeSpan? Actual
        {
            get => Interlocked.Read(ref _actualTicks) is var t && t >= 0 ? TimeSpan.FromTicks(t) : null;
            set => Interlocked.Exchange(ref _actualTicks, value?.Ticks ?? -1);
        }

        /// <summary>Marks it running (set the properties first); false once the runner has given up.</summary>
        public bool TryBegin() => Interlocked.CompareExchange(ref _state, Running, Idle) == Idle;

        /// <summary>Marks it finished; false if the runner gave up on it first (and recorded it).</summary>
        public bool TryEnd() => Interlocked.CompareExchange(ref _state, Idle, Running) == Running;

        /// <summary>Closes it for good; true if it was running (the caller records it).</summary>
        public bool Abandon() => Interlocked.Exchange(ref _state, Abandoned) == Running;
    }

    /// <summary>Records an iteration the runner gave up on: an interrupted failure whose latency so far is a lower bound.</summary>
    private static void RecordAbandoned(Recorder recorder, InFlight iteration, LoadClock clock, bool open)
    {
        if (!iteration.Measured)
        {
            return;
        }

        var now = clock.Elapsed;
        var actual = iteration.Actual;
        recorder.Record(iteration.Began, now - iteration.Began, open ? now - (actual ?? now) : null, open ? (actual ?? now) - iteration.Began : null, new Outcome(Interrupted, null));
    }

    // An abandoned task may still end, even fault, long after the run: observe it, so it never surfaces as unobserved.
    private static void Observe(Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
