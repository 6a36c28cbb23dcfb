
namespace PerfKit.Testing.Tests;

public sealed class LoadTestTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task OpenModel_AStallShowsInTheCorrectedPercentiles_NotInTheUncorrectedOnes()
    {
        var clock = new VirtualLoadClock();

        var result = await LoadTest.RunAsync("stall", context =>
        {
            // Every call takes 1 ms of virtual time, except one that stalls for a second.
            clock.Advance(context.Iteration == 50 ? TimeSpan.FromSeconds(1) : TimeSpan.FromMilliseconds(1));
            return ValueTask.CompletedTask;
        }, new OpenModel(ratePerSecond: 100, TimeSpan.FromSeconds(2)), clock, Ct);

        result.Iterations.Should().Be(200);
        result.UncorrectedLatency!.Percentile(99).Should().Be(TimeSpan.FromMilliseconds(1), "a naive tool sees one slow call in 200");
        result.Latency.Percentile(99).Should().BeGreaterThan(TimeSpan.FromMilliseconds(900), "the calls that should have started during the stall waited for it");
        result.Latency.Percentile(50).Should().BeGreaterThan(TimeSpan.FromMilliseconds(100));
        result.SchedulerLag!.Max.Should().BeGreaterThan(TimeSpan.FromMilliseconds(900));
        result.IsValid.Should().BeFalse("the stalled call blocked the generator itself");
        result.InvalidReason.Should().Contain("generator started iterations late");
    }

    [Fact]
    public async Task OpenModel_WithoutStalls_KeepsTheRateExactlyAndIsValid()
    {
        var clock = new VirtualLoadClock();

        var result = await LoadTest.RunAsync("steady", _ =>
        {
            clock.Advance(TimeSpan.FromMilliseconds(0.5));
            return ValueTask.CompletedTask;
        }, new OpenModel(ratePerSecond: 1000, TimeSpan.FromSeconds(3)), clock, Ct);

        result.Iterations.Should().Be(3000);
        result.Throughput.Should().BeApproximately(1000, 10, "the open model holds its arrival rate within 1%");
        result.IsValid.Should().BeTrue(result.InvalidReason);
        result.Latency.Percentile(99).Should().Be(TimeSpan.FromMicroseconds(500));
        result.Should().HaveP95Below(TimeSpan.FromMilliseconds(1)).And.HaveErrorRateBelow(0.001);
    }

    [Fact]
    public async Task WarmUp_IsRunButNotMeasured_AndTheTimelineHasOneEntryPerSecond()
    {
        var clock = new VirtualLoadClock();
        var warmUpCalls = 0;

        var result = await LoadTest.RunAsync("warm", context =>
        {
            if (context.Iteration < 0)
            {
                warmUpCalls++;
                clock.Advance(TimeSpan.FromMilliseconds(8)); // cold: slow, but within the 10 ms schedule
            }
            else
            {
                clock.Advance(context.Iteration < 100 ? TimeSpan.FromMilliseconds(1) : TimeSpan.FromMilliseconds(3));
                if (context.Iteration % 50 == 0)
                {
                    context.Fail("sampled failure");
                }
            }

            return ValueTask.CompletedTask;
        }, new OpenModel(100, TimeSpan.FromSeconds(2)) { WarmUp = TimeSpan.FromSeconds(1) }, clock, Ct);

        warmUpCalls.Should().Be(100);
        result.Iterations.Should().Be(200);
        result.Latency.Max.Should().Be(TimeSpan.FromMilliseconds(3), "the 8 ms warm-up calls are not measured");
        result.Timeline.Should().HaveCount(2);
        result.Timeline[0].Should().Be(new LoadSecond(0, 100, 2, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1)));
        result.Timeline[1].Should().Be(new LoadSecond(1, 100, 2, TimeSpan.FromMilliseconds(3), TimeSpan.FromMilliseconds(3)));
        result.Duration.Should().BeCloseTo(TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(10));
    }

    [Fact]
    public async Task ClosedModel_WarmUp_DoesNotCountTowardsTheIterations()
    {
        var clock = new VirtualLoadClock();
        var calls = 0;

        var result = await LoadTest.RunAsync("warm closed", _ =>
        {
            Interlocked.Increment(ref calls);
            clock.Advance(TimeSpan.FromMilliseconds(10));
            return ValueTask.CompletedTask;
        }, new ClosedModel(1) { Iterations = 50, WarmUp = TimeSpan.FromMilliseconds(200) }, clock, Ct);

        result.Iterations.Should().Be(50);
        calls.Should().Be(70, "20 warm-up calls of 10 ms fill the 200 ms warm-up");
    }

    [Fact]
    public async Task OpenModel_PastMaxConcurrency_DropsArrivals_AndTheRunIsInvalid()
    {
        var clock = new VirtualLoadClock();
        var gate = new TaskCompletionSource();

        var run = LoadTest.RunAsync("saturated", async _ => await gate.Task, new OpenModel(100, TimeSpan.FromSeconds(1)) { MaxConcurrency = 5 }, clock, Ct);
        gate.SetResult();
        var result = await run;

        result.Dropped.Should().Be(95);
        result.Iterations.Should().Be(5);
        result.IsValid.Should().BeFalse();
        result.Invoking(r => r.Should().HaveP95Below(TimeSpan.FromHours(1))).Should().Throw<Exception>()
            .WithMessage("*95 arrivals were dropped*", "an invalid run never passes a latency threshold");
    }

    [Fact]
    public async Task ClosedModel_RunsExactlyTheIterations_WithAtMostTheVirtualUsersAtOnce()
    {
        var inside = 0;
        var peak = 0;
        var arrived = 0;
        var allEight = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var result = await LoadTest.RunAsync("users", async context =>
        {
            var now = Interlocked.Increment(ref inside);
            Concurrency.InterlockedMax(ref peak, now);
            if (context.Iteration < 8)
            {
                // The first eight iterations meet here, so all eight users are proven to run at once.
                if (Interlocked.Increment(ref arrived) == 8)
                {
                    allEight.SetResult();
                }

                await allEight.Task.WaitAsync(TimeSpan.FromMinutes(1), Ct);
            }

            await Task.Yield();
            Interlocked.Decrement(ref inside);
        }, new ClosedModel(virtualUsers: 8) { Iterations = 400 }, cancellationToken: Ct);

        result.Iterations.Should().Be(400);
        peak.Should().Be(8);
        result.Should().HaveErrorRateBelow(0.0001);
    }

    [Fact]
    public async Task ThrowingScenariosAndFailedChecks_AreCountedByReason_NeverCrashTheRun()
    {
        var result = await LoadTest.RunAsync("faults", context =>
        {
            switch (context.Iteration % 4)
            {
                case 0:
                    throw new TimeoutException("slow");
                case 1:
                    context.Fail("status 503");
                    break;
            }

            return ValueTask.CompletedTask;
        }, new ClosedModel(2) { Iterations = 100 }, new VirtualLoadClock(), Ct);

        result.Iterations.Should().Be(100);
        result.FailuresByReason.Should().BeEquivalentTo(new Dictionary<string, long> { ["TimeoutException"] = 25, ["status 503"] = 25 });
        result.ErrorRate.Should().Be(0.5);
        result.Invoking(r => r.Should().HaveErrorRateBelow(0.1)).Should().Throw<Exception>().WithMessage("*50.00*");
        result.ToString().Should().Contain("status 503").And.Contain("p99");
    }

    [Fact]
    public async Task Cancellation_StopsARunByItself()
    {
        using var cancel = new CancellationTokenSource();
        var count = 0;

        var result = await LoadTest.RunAsync("cancelled", async context =>
        {
            if (Interlocked.Increment(ref count) == 50)
            {
                cancel.Cancel(); // synchronous, so the run sees it at once
            }

            await Task.Yield();
        }, new ClosedModel(4) { Duration = TimeSpan.FromHours(1) }, cancellationToken: cancel.Token);

        // The caller's token ends the run at once: iterations still in flight then (at most the other 3 users' and the
        // 50th) are not measured, as iterations that honour the token are not.
        result.Iterations.Should().BeInRange(45, 1000, "the run of an hour stops soon after the token is cancelled");
        result.Duration.Should().BeLessThan(TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task OpenModel_OnTheSystemClock_NeverStartsAnIterationBeforeItsIntendedTime()
    {
        // Corrected latency = uncorrected latency + scheduler lag, and lag is never negative: so every percentile of
        // the corrected histogram is at least the uncorrected one. An iteration started early (a sub-millisecond
        // Task.Delay completes at once) breaks this — it was found that way, by the showcase.
        var result = await LoadTest.RunAsync("early?", async context => await Task.Delay(1, context.CancellationToken), new OpenModel(500, TimeSpan.FromSeconds(1)) { MaxSchedulerLag = TimeSpan.FromSeconds(10) }, cancellationToken: Ct);

        foreach (var p in new[] { 1.0, 10, 50, 90, 99 })
        {
            result.Latency.Percentile(p).Should().BeGreaterThanOrEqualTo(result.UncorrectedLatency!.Percentile(p), $"p{p}: {result}");
        }
    }

    [Fact]
    public async Task BadModels_AreRejectedNamingTheProperty()
    {
        var noop = (ScenarioContext _) => ValueTask.CompletedTask;

        await FluentActions.Awaiting(() => LoadTest.RunAsync("x", noop, new ClosedModel(0) { Iterations = 1 })).Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage("*VirtualUsers*");
        await FluentActions.Awaiting(() => LoadTest.RunAsync("x", noop, new ClosedModel(1))).Should().ThrowAsync<ArgumentException>().WithMessage("*never stop*");
        await FluentActions.Awaiting(() => LoadTest.RunAsync("x", noop, new OpenModel(-5, TimeSpan.FromSeconds(1)))).Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage("*RatePerSecond*");
        await FluentActions.Awaiting(() => LoadTest.RunAsync("x", noop, new OpenModel(5, TimeSpan.Zero))).Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage("*Duration*");
    }
}
