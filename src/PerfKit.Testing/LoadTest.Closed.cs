using System.Globalization;
using System.Runtime.CompilerServices;

namespace PerfKit.Testing;

// The closed model: a fixed (or staged) number of virtual users, each running iterations back to back.
public static partial class LoadTest
{
    private static async Task<LoadResult> RunClosedAsync(string name, Func<ScenarioContext, ValueTask> scenario, ClosedModel model, LoadClock clock, int processorCount, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var start = clock.Elapsed;
        var measuredFrom = start + model.WarmUp;
        var recorder = new Recorder(withOpenModelHistograms: false, model.AbortWhen, stop, processorCount) { MeasuredFrom = measuredFrom };
        var schedule = model.IsRamping ? model.Schedule() : null;
        var token = stop.Token; // read once: a user given up on may come back after the run has disposed the source
        using var graceful = new GracefulStop(clock, stop, model.GracefulStop, cancellationToken);
        using var armOnAbort = token.Register(() => graceful.Arm(clock.Elapsed)); // a broken threshold stops the run too
        if (model.Duration is { } runFor)
        {
            graceful.Arm(measuredFrom + runFor);
        }

        // Every user increments it: on its own cache lines, not in the users' closure beside the fields they only read.
        var next = new StrongBox<PaddedCounter>(new PaddedCounter { Value = -1 });
        var users = new Task[model.VirtualUsers];
        var current = new InFlight[model.VirtualUsers];
        for (var vu = 0; vu < users.Length; vu++)
        {
            var user = vu;
            var slot = current[vu] = new InFlight();
            users[vu] = Task.Run(async () =>
            {
                var context = new ScenarioContext(clock, token);
                while (!stop.IsCancellationRequested)
                {
                    // One clock read starts the iteration (ramp, warm-up and duration checks, latency start) and one
                    // ends it: at tens of thousands of HTTP iterations a second, every read is measurable.
                    var now = clock.Elapsed;
                    if (schedule is not null)
                    {
                        // Ramping: this user runs only while the schedule has at least user + 1 users.
                        var at = now - start;
                        if (user >= schedule.UsersAt(at))
                        {
                            if (schedule.FirstTimeWithUsers(user + 1, at) is not { } joins || !await TryWaitAsync(clock, start + joins, token).ConfigureAwait(false))
                            {
                                break;
                            }

                            continue;
                        }
                    }

                    var warmingUp = now < measuredFrom;
                    var iteration = warmingUp ? -1 : Interlocked.Increment(ref next.Value.Value);
                    if (!warmingUp && ((model.Iterations is { } limit && iteration >= limit) || (model.Duration is { } duration && now - measuredFrom >= duration)))
                    {
                        graceful.Arm(now);
                        break;
                    }

                    context.Reset(iteration, user);
                    (slot.Began, slot.Iteration, slot.Measured) = (now, iteration, !warmingUp);
                    if (!slot.TryBegin())
                    {
                        break;
                    }

                    // The scenario is awaited here, not through a helper method: one async layer less per iteration
                    // (with it, PerfKit ran HTTP at 0.93-0.95x a hand-written loop; without, 0.95-0.99x).
                    Outcome outcome;
                    try
                    {
                        await scenario(context).ConfigureAwait(false);
                        outcome = new Outcome(context.FailureReason, null);
                    }
#pragma warning disable CA1031 // A scenario that throws is a failed iteration, counted by exception type, never a crashed run.
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        outcome = Failed(ex, context, graceful);
                    }

                    var ended = clock.Elapsed;
                    if (!slot.TryEnd() || outcome.Reason is Canceled)
                    {
                        break;
                    }

                    if (!warmingUp)
                    {
                        recorder.Record(now, ended - now, null, null, outcome);
                    }

                    if (model.ThinkTime > TimeSpan.Zero && !await TryWaitAsync(clock, ended + model.ThinkTime, token).ConfigureAwait(false))
                    {
                        break;
                    }
                }
            }, CancellationToken.None);
        }

        var all = Task.WhenAll(users);
        if (await Task.WhenAny(all, graceful.GiveUp).ConfigureAwait(false) != all)
        {
            // Users still inside an iteration ignore their token: stop waiting for them (cut off at the graceful stop,
            // they count as interrupted; cut off by the caller, as not measured, like iterations that honour the token).
            for (var vu = 0; vu < current.Length; vu++)
            {
                if (current[vu].Abandon() && graceful.Fired)
                {
                    RecordAbandoned(recorder, current[vu], clock, open: false);
                }
            }

            Observe(all);
        }

        graceful.Complete();
        var describe = schedule is null
            ? string.Create(CultureInfo.InvariantCulture, $"closed, {model.VirtualUsers} virtual user{(model.VirtualUsers == 1 ? string.Empty : "s")}")
            : string.Create(CultureInfo.InvariantCulture, $"closed, ramping {Describe(model.StartUsers, model.Stages)} virtual users");
        return recorder.Result(name, describe, clock.Elapsed - measuredFrom, dropped: 0, invalidReason: null, closed: true);
    }
}
