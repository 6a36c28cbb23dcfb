using System.Globalization;

namespace PerfKit.Testing;

/// <summary>The closed model: a fixed (or staged) number of virtual users, each running iterations back to back.</summary>
public static partial class LoadTest
{
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
}
