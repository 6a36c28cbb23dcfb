using System.Globalization;

namespace PerfKit.Testing;

/// <summary>The open model: arrivals at a rate, latency measured from each intended start.</summary>
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
}
