using System.Collections.Concurrent;
using System.Globalization;

namespace PerfKit.Testing;

// The open model: arrivals at a rate, latency measured from each intended start.
public static partial class LoadTest
{
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
        var token = stop.Token; // read once: an iteration given up on may come back after the run has disposed the source
        using var graceful = new GracefulStop(clock, stop, model.GracefulStop, cancellationToken);
        var inFlight = new ConcurrentDictionary<InFlight, byte>(ReferenceEqualityComparer.Instance);

        // A virtual clock is moved by the scenarios themselves: they run inline, so the simulation stays deterministic
        // (a scenario that advances the clock by a second holds the generator for that second, as a stall would).
        var inline = clock is VirtualLoadClock;
        Action<InFlight> startArrival = a => Observe(RunArrivalAsync(a));

        foreach (var offset in model.Schedule().Arrivals())
        {
            var intended = start + offset;
            if (!await (spin ? SpinUntilAsync(clock, intended, model.SpinWindow, token) : TryWaitAsync(clock, intended, token)).ConfigureAwait(false))
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
            var arrival = new InFlight { Iteration = measured ? i - warmUpArrivals : -1, Began = intended, Measured = measured };
            arrival.TryBegin();
            inFlight.TryAdd(arrival, 0);
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

        if (await Task.WhenAny(drained.Task, graceful.GiveUp).ConfigureAwait(false) != drained.Task)
        {
            // Iterations still running ignore their token: stop waiting for them (cut off at the graceful stop, they
            // count as interrupted; cut off by the caller, as not measured, like iterations that honour the token).
            foreach (var arrival in inFlight.Keys)
            {
                if (arrival.Abandon() && graceful.Fired)
                {
                    RecordAbandoned(recorder, arrival, clock, open: true);
                }
            }
        }

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

        async Task RunArrivalAsync(InFlight arrival)
        {
            var actual = clock.Elapsed; // when the iteration really starts: scheduler lag includes any wait for a thread
            var intended = arrival.Began;
            arrival.Actual = actual;
            try
            {
                var context = new ScenarioContext(clock, token);
                context.Reset(arrival.Iteration, -1);
                Outcome outcome;
                try
                {
                    await scenario(context).ConfigureAwait(false); // awaited here, not through a helper: one async layer less per iteration
                    outcome = new Outcome(context.FailureReason, null);
                }
#pragma warning disable CA1031 // A scenario that throws is a failed iteration, counted by exception type, never a crashed run.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    outcome = Failed(ex, context, graceful);
                }

                if (arrival.TryEnd() && arrival.Measured && outcome.Reason is not Canceled)
                {
                    var end = clock.Elapsed;
                    recorder.Record(intended, end - intended, end - actual, actual - intended, outcome);
                }
            }
            finally
            {
                inFlight.TryRemove(arrival, out _);
                if (Interlocked.Decrement(ref running) == 0)
                {
                    drained.TrySetResult();
                }
            }
        }
    }
}
