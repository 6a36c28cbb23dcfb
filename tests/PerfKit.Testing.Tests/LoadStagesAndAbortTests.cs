using System.Collections.Concurrent;

namespace PerfKit.Testing.Tests;

public sealed class LoadStagesAndAbortTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task OpenModel_RampsUpHoldsAndRampsDown_ArrivalsFollowTheIntegralOfTheRate()
    {
        var clock = new VirtualLoadClock();

        var result = await LoadTest.RunAsync("ramp", _ =>
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
            return ValueTask.CompletedTask;
        }, new OpenModel([LoadStage.RampTo(100, TimeSpan.FromSeconds(2)), LoadStage.Hold(100, TimeSpan.FromSeconds(1)), LoadStage.RampTo(0, TimeSpan.FromSeconds(2))]), clock, Ct);

        // 0→100/s over 2 s is 100 arrivals (25 then 75), 1 s at 100/s is 100, 100→0/s over 2 s is 100 (75 then 25).
        result.Iterations.Should().Be(300);
        result.Timeline.Select(s => s.Iterations).Should().Equal(25, 75, 100, 75, 25);
        result.IsValid.Should().BeTrue(result.InvalidReason);
        result.Model.Should().Be("open, ramping 0→100→100→0/s over 5 s");
    }

    [Fact]
    public async Task OpenModel_WarmUpHoldsTheFirstStagesLoad_AndIsNotMeasured()
    {
        var clock = new VirtualLoadClock();
        var warmUp = 0;

        var result = await LoadTest.RunAsync("ramp with warm-up", context =>
        {
            warmUp += context.Iteration < 0 ? 1 : 0;
            return ValueTask.CompletedTask;
        }, new OpenModel([LoadStage.RampTo(50, TimeSpan.FromSeconds(2))]) { StartRate = 10, WarmUp = TimeSpan.FromSeconds(1) }, clock, Ct);

        warmUp.Should().Be(10, "warm-up holds the 10/s the first stage starts from");
        result.Iterations.Should().Be(60, "10→50/s over 2 s is (10 + 50) / 2 × 2 arrivals");
    }

    [Fact]
    public async Task ClosedModel_UsersJoinAsTheTargetRises_AndLeaveAsItFalls()
    {
        var inside = 0;
        var peak = 0;
        var starts = new ConcurrentQueue<(TimeSpan At, int Inside)>();

        var result = await LoadTest.RunAsync("users ramp", async context =>
        {
            var now = Interlocked.Increment(ref inside);
            starts.Enqueue((context.Clock.Elapsed, now));
            Concurrency.InterlockedMax(ref peak, now);
            await Task.Delay(5, context.CancellationToken);
            Interlocked.Decrement(ref inside);
        }, new ClosedModel([LoadStage.RampTo(4, TimeSpan.FromSeconds(1)), LoadStage.Hold(4, TimeSpan.FromSeconds(0.5)), LoadStage.RampTo(0, TimeSpan.FromSeconds(0.5))]), cancellationToken: Ct);

        peak.Should().Be(4, "the 0.5 s hold at four users runs all four at once");
        starts.Min(s => s.At).Should().BeGreaterThan(TimeSpan.FromMilliseconds(240), "the first user joins when the ramp reaches one user, at 250 ms");
        starts.Where(s => s.At < TimeSpan.FromMilliseconds(450)).Should().OnlyContain(s => s.Inside == 1, "until 500 ms the ramp allows one user");
        starts.Max(s => s.At).Should().BeLessThan(TimeSpan.FromSeconds(2.5), "the stages end at 2 s (users check before each iteration)");
        result.Iterations.Should().Be(starts.Count);
        result.Model.Should().Be("closed, ramping 0→4→4→0 virtual users");
    }

    [Fact]
    public async Task SpinWindow_IsIgnoredByClocksThatDoNotMoveByThemselves()
    {
        var clock = new VirtualLoadClock();

        var result = await LoadTest.RunAsync("spin", _ => ValueTask.CompletedTask, new OpenModel(100, TimeSpan.FromSeconds(1)) { SpinWindow = TimeSpan.FromMilliseconds(2) }, clock, Ct);

        result.Iterations.Should().Be(100, "a virtual clock only moves when waited on, so spinning on it would never end");
        result.SchedulerLag!.Max.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void ClosedSchedule_FindsWhenEachUserJoins()
    {
        var schedule = new ClosedModel([LoadStage.RampTo(4, TimeSpan.FromSeconds(1)), LoadStage.Hold(4, TimeSpan.FromSeconds(1)), LoadStage.RampTo(0, TimeSpan.FromSeconds(1))]).Schedule();

        schedule.UsersAt(TimeSpan.Zero).Should().Be(0);
        schedule.UsersAt(TimeSpan.FromMilliseconds(260)).Should().Be(1);
        schedule.UsersAt(TimeSpan.FromSeconds(1.5)).Should().Be(4);
        schedule.UsersAt(TimeSpan.FromSeconds(2.5)).Should().Be(2);
        schedule.UsersAt(TimeSpan.FromSeconds(3)).Should().Be(0);
        schedule.FirstTimeWithUsers(3, TimeSpan.Zero).Should().Be(TimeSpan.FromMilliseconds(750));
        schedule.FirstTimeWithUsers(3, TimeSpan.FromSeconds(1.2)).Should().Be(TimeSpan.FromSeconds(1.2));
        schedule.FirstTimeWithUsers(4, TimeSpan.FromSeconds(2.1)).Should().BeNull("after the hold the target only falls");
    }

    [Fact]
    public async Task AbortWhen_ErrorRateBroken_StopsTheRunAtTheNextSecond_AndSaysWhy()
    {
        var clock = new VirtualLoadClock();

        var result = await LoadTest.RunAsync("breaks at 2 s", context =>
        {
            if (context.Iteration >= 200)
            {
                context.Fail("status 503");
            }

            return ValueTask.CompletedTask;
        }, new OpenModel(100, TimeSpan.FromSeconds(10)) { AbortWhen = [LoadThreshold.ErrorRateAbove(0.1)] }, clock, Ct);

        // Checked by the first iteration of each second: at 2 s, 1 failure in 201; at 3 s, 101 in 301.
        result.Iterations.Should().Be(301);
        result.WasAborted.Should().BeTrue();
        result.AbortedBecause.Should().Be("error rate above 10%: 33.55% of 301 iterations failed");
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(4), "no arrival is scheduled after the abort");
        result.Invoking(r => r.Should().NotHaveBeenAborted()).Should().Throw<Exception>().WithMessage("*aborted: error rate above 10%*");
        result.ToString().Should().Contain("ABORTED early");
    }

    [Fact]
    public async Task AbortWhen_LatencyBroken_StopsTheRun_ButNotBeforeMinIterations()
    {
        ValueTask Scenario(ScenarioContext context, VirtualLoadClock clock)
        {
            clock.Advance(TimeSpan.FromMilliseconds(context.Iteration >= 150 ? 30 : 1));
            return ValueTask.CompletedTask;
        }

        var fast = new VirtualLoadClock();
        var aborted = await LoadTest.RunAsync("slows down", c => Scenario(c, fast), new OpenModel(20, TimeSpan.FromSeconds(60)) { AbortWhen = [LoadThreshold.PercentileAbove(90, TimeSpan.FromMilliseconds(20))] }, fast, Ct);

        aborted.WasAborted.Should().BeTrue();
        aborted.AbortedBecause.Should().StartWith("p90 above 20 ms: p90 was 30");
        aborted.Iterations.Should().BeInRange(170, 400, "p90 passes 20 ms once more than 10% of the calls are slow");

        var patient = new VirtualLoadClock();
        var full = await LoadTest.RunAsync("slows down", c => Scenario(c, patient), new OpenModel(20, TimeSpan.FromSeconds(60)) { AbortWhen = [LoadThreshold.PercentileAbove(90, TimeSpan.FromMilliseconds(20), minIterations: 2000)] }, patient, Ct);

        full.WasAborted.Should().BeFalse("the threshold is not checked before 2,000 iterations and the run has 1,200");
        full.Iterations.Should().Be(1200);
    }

    [Fact]
    public async Task GracefulStop_EndsAnOpenRunWhoseSystemHangs_CountingTheCutOffIterations()
    {
        var result = await LoadTest.RunAsync("hangs", async context =>
        {
            if (context.Iteration % 5 == 4)
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken); // a request that never returns
            }
        }, new OpenModel(50, TimeSpan.FromSeconds(0.2)) { GracefulStop = TimeSpan.FromMilliseconds(100) }, cancellationToken: Ct);

        result.Iterations.Should().Be(10);
        result.FailuresByReason.Should().Equal(new Dictionary<string, long> { ["interrupted at graceful stop"] = 2 });
        result.Latency.Max.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(100), "a cut-off iteration's latency so far is recorded, as a lower bound");
    }

    [Fact]
    public async Task GracefulStop_EndsAClosedRunAtItsIterationLimit_WhenOneUserHangs()
    {
        var result = await LoadTest.RunAsync("one hangs", async context =>
        {
            if (context.Iteration == 3)
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }

            await Task.Yield();
        }, new ClosedModel(2) { Iterations = 20, GracefulStop = TimeSpan.FromMilliseconds(50) }, cancellationToken: Ct);

        result.Iterations.Should().Be(20);
        result.FailuresByReason.Should().Equal(new Dictionary<string, long> { ["interrupted at graceful stop"] = 1 });
    }

    [Fact]
    public async Task BadStagesAndThresholds_AreRejectedNamingTheProblem()
    {
        var noop = (ScenarioContext _) => ValueTask.CompletedTask;

        await FluentActions.Awaiting(() => LoadTest.RunAsync("x", noop, new OpenModel([LoadStage.RampTo(10, TimeSpan.Zero)]))).Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage("*OpenModel.Stages[0].Duration must be positive*");
        await FluentActions.Awaiting(() => LoadTest.RunAsync("x", noop, new OpenModel([LoadStage.Hold(0, TimeSpan.FromSeconds(1))]))).Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage("*never reach a positive arrival rate*");
        await FluentActions.Awaiting(() => LoadTest.RunAsync("x", noop, new ClosedModel([LoadStage.RampTo(-1, TimeSpan.FromSeconds(1))]))).Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage("*ClosedModel.Stages[0].Target*");
        await FluentActions.Awaiting(() => LoadTest.RunAsync("x", noop, new ClosedModel([LoadStage.RampTo(2, TimeSpan.FromSeconds(1))]) { Duration = TimeSpan.FromSeconds(5) })).Should().ThrowAsync<ArgumentException>().WithMessage("*Duration*contradicts its stages*");
        await FluentActions.Awaiting(() => LoadTest.RunAsync("x", noop, new OpenModel(10, TimeSpan.FromSeconds(1)) { SpinWindow = TimeSpan.FromSeconds(-1) })).Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage("*OpenModel.SpinWindow*");
        await FluentActions.Awaiting(() => LoadTest.RunAsync("x", noop, new ClosedModel(1) { Iterations = 1, GracefulStop = TimeSpan.FromSeconds(-1) })).Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage("*LoadModel.GracefulStop*");
        FluentActions.Invoking(() => new OpenModel([])).Should().Throw<ArgumentException>().WithMessage("*at least one stage*");
        FluentActions.Invoking(() => LoadThreshold.PercentileAbove(0, TimeSpan.FromSeconds(1))).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("percentile");
        FluentActions.Invoking(() => LoadThreshold.ErrorRateAbove(1)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("maximum");
    }
}
