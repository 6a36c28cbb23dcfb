
namespace PerfKit.Testing.Tests;

public sealed class StressTestTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    /// <summary>A server that admits <c>capacity</c> requests a second (token bucket, burst 5) and answers 429 above it, in virtual time.</summary>
    private sealed class RateLimitedServer(VirtualLoadClock clock, double capacity)
    {
        private double _tokens = 5;
        private TimeSpan _last;

        public ValueTask HandleAsync(ScenarioContext context)
        {
            var now = clock.Elapsed;
            _tokens = Math.Min(5, _tokens + ((now - _last).TotalSeconds * capacity));
            _last = now;
            if (_tokens >= 1)
            {
                _tokens--;
                clock.Advance(TimeSpan.FromMicroseconds(200));
            }
            else
            {
                context.Fail("status 429");
            }

            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task FindKnee_DoublesUntilTheErrorBudgetBreaks_ThenNarrowsToTheCapacity()
    {
        var clock = new VirtualLoadClock();
        var server = new RateLimitedServer(clock, capacity: 530);

        var result = await StressTest.FindKneeAsync("rate limited", server.HandleAsync, new StressOptions(startRate: 100, sloLatency: TimeSpan.FromMilliseconds(50)) { StepDuration = TimeSpan.FromSeconds(5) }, clock, Ct);

        // 100, 200, 400 hold; 800 breaks (a third of the calls get 429); then 600 breaks, 500 holds, 550 breaks.
        result.Steps.Select(s => (s.Rate, s.Sustained)).Should().Equal((100, true), (200, true), (400, true), (800, false), (600, false), (500, true), (550, false));
        result.Knee.Should().Be(500);
        result.LimitedByGenerator.Should().BeFalse();
        result.Steps[3].Reason.Should().Contain("error rate above 1%");
        result.Steps[3].Run.WasAborted.Should().BeTrue("a clearly broken step stops after a second's worth of arrivals");
        result.ToString().Should().Contain("knee 500/s").And.Contain("| 550 | **no** |");
        result.StoppedBecause.Should().Contain("3 refinement step(s)");
    }

    [Fact]
    public async Task FindKnee_ALatencySloBreaks_WhenASerialServerSaturates()
    {
        var clock = new VirtualLoadClock();

        // One call at a time, 1 ms each: the server saturates at 1,000/s, and above that a queue builds up.
        var result = await StressTest.FindKneeAsync("serial", _ =>
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
            return ValueTask.CompletedTask;
        }, new StressOptions(100, TimeSpan.FromMilliseconds(10)) { StepDuration = TimeSpan.FromSeconds(2), Refinements = 2, MaxSchedulerLag = TimeSpan.FromHours(1) }, clock, Ct);

        // 100…800 hold at 1 ms; 1,600 breaks; 1,200 breaks; 1,000 is exactly the capacity and holds.
        result.Steps.Select(s => (s.Rate, s.Sustained)).Should().Equal((100, true), (200, true), (400, true), (800, true), (1600, false), (1200, false), (1000, true));
        result.Knee.Should().Be(1000);
        result.Steps[4].Reason.Should().Contain("p99 above 10 ms");
        result.KneeStep!.Run.Latency.Percentile(99).Should().Be(TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task FindKnee_AStepThatFillsMaxConcurrency_IsOverload_NotAGeneratorLimit()
    {
        // The first step's 25 calls (50/s for 0.5 s) answer at once, so at most one is ever in flight; from then on
        // the system hangs, every call stays in flight, the 5 slots fill and arrivals are dropped: the system's limit,
        // not the generator's, so the search goes on instead of giving up. The hung calls end at the graceful stop.
        var calls = 0;
        var result = await StressTest.FindKneeAsync("hangs after 25 calls", async context =>
        {
            if (Interlocked.Increment(ref calls) > 25)
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
        }, new StressOptions(50, TimeSpan.FromSeconds(10)) { StepFactor = 8, StepDuration = TimeSpan.FromSeconds(0.5), MaxConcurrency = 5, MaxRate = 400, Refinements = 0, MaxSchedulerLag = TimeSpan.FromSeconds(10), GracefulStop = TimeSpan.FromMilliseconds(100) },
            cancellationToken: Ct);

        result.Steps.Select(s => (s.Rate, s.Sustained)).Should().Equal((50, true), (400, false));
        result.Steps[1].Reason.Should().StartWith("overloaded:").And.Contain("with 5 iterations in flight");
        result.LimitedByGenerator.Should().BeFalse();
        result.StoppedBecause.Should().Contain("the SLO broke at 400/s");
        result.Knee.Should().Be(50);
    }

    [Fact]
    public async Task FindKnee_ReachingMaxRate_EndsTheSearch_AndBadOptionsNameTheOption()
    {
        var result = await StressTest.FindKneeAsync("fast", _ => ValueTask.CompletedTask, new StressOptions(100, TimeSpan.FromSeconds(1)) { StepDuration = TimeSpan.FromSeconds(1), MaxRate = 300 }, new VirtualLoadClock(), Ct);

        result.Steps.Select(s => s.Rate).Should().Equal(100, 200, 300);
        result.Knee.Should().Be(300);
        result.StoppedBecause.Should().Contain("MaxRate 300/s reached");

        await FluentActions.Awaiting(() => StressTest.FindKneeAsync("x", _ => ValueTask.CompletedTask, new StressOptions(0, TimeSpan.FromSeconds(1)))).Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage("*StressOptions.StartRate*");
        await FluentActions.Awaiting(() => StressTest.FindKneeAsync("x", _ => ValueTask.CompletedTask, new StressOptions(10, TimeSpan.FromSeconds(1)) { StepFactor = 1 })).Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage("*StressOptions.StepFactor*");
    }
}
