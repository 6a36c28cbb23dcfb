using Microsoft.Extensions.Time.Testing;

namespace PerfKit.Testing.Tests;

/// <summary>
/// Hostile-user item 1: a scenario that ignores its cancellation token must not keep a run (or a stress step) alive
/// past its graceful stop, nor past the caller's token.
/// </summary>
public sealed class HangingScenarioTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    // Generous: a run that ends does so in well under a second; only a regression waits this long.
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ClosedModel_ScenarioIgnoresItsToken_EndsAtGracefulStop_CountingTheIterationInterrupted()
    {
        var time = new FakeTimeProvider();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource();

        var run = LoadTest.RunAsync("hang", async _ =>
        {
            started.TrySetResult();
            await never.Task; // ignores its token
        }, new ClosedModel(1) { Duration = TimeSpan.FromSeconds(1), GracefulStop = TimeSpan.FromSeconds(1) }, LoadClock.From(time), Ct);
        await started.Task.WaitAsync(Generous, Ct);
        time.Advance(TimeSpan.FromSeconds(2)); // the duration and then the graceful stop pass

        var result = await run.WaitAsync(Generous, Ct);

        result.Iterations.Should().Be(1);
        result.FailuresByReason.Should().Equal(new Dictionary<string, long> { ["interrupted at graceful stop"] = 1 });
        result.Latency.Max.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(2), "its latency so far (a lower bound) is recorded");
    }

    [Fact]
    public async Task ClosedModel_ScenarioIgnoresItsToken_EndsWhenTheCallerCancels()
    {
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var run = LoadTest.RunAsync("hang", async _ =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, CancellationToken.None);
        }, new ClosedModel(1) { Duration = TimeSpan.FromHours(1), GracefulStop = TimeSpan.FromHours(1) }, cancellationToken: caller.Token);
        await started.Task.WaitAsync(Generous, Ct);
        await caller.CancelAsync();

        var result = await run.WaitAsync(Generous, Ct);

        result.Iterations.Should().Be(0, "an iteration cut off by the caller is not measured, as one that honours the token is not");
    }

    [Fact]
    public async Task OpenModel_ScenarioIgnoresItsToken_EndsWhenTheCallerCancels()
    {
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var run = LoadTest.RunAsync("hang", async _ =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, CancellationToken.None);
        }, new OpenModel(5, TimeSpan.FromHours(1)) { GracefulStop = TimeSpan.FromHours(1) }, cancellationToken: caller.Token);
        await started.Task.WaitAsync(Generous, Ct);
        await caller.CancelAsync();

        await run.WaitAsync(Generous, Ct);
    }

    [Fact]
    public async Task RealNeverCompletingTasks_ClosedAndOpen_EndAtGracefulStop()
    {
        static async ValueTask Hang(ScenarioContext _) => await Task.Delay(Timeout.Infinite, CancellationToken.None);

        var closed = await LoadTest.RunAsync("hang", Hang, new ClosedModel(2) { Duration = TimeSpan.FromMilliseconds(200), GracefulStop = TimeSpan.FromMilliseconds(100) }, cancellationToken: Ct).WaitAsync(Generous, Ct);
        var open = await LoadTest.RunAsync("hang", Hang, new OpenModel(20, TimeSpan.FromMilliseconds(200)) { GracefulStop = TimeSpan.FromMilliseconds(100) }, cancellationToken: Ct).WaitAsync(Generous, Ct);

        closed.Iterations.Should().Be(2, "each virtual user's one iteration is cut off");
        closed.FailuresByReason.Should().Equal(new Dictionary<string, long> { ["interrupted at graceful stop"] = 2 });
        open.Iterations.Should().Be(4);
        open.FailuresByReason.Should().Equal(new Dictionary<string, long> { ["interrupted at graceful stop"] = 4 });
        open.Latency.Max.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task StressSearch_ScenarioIgnoresItsToken_EveryStepEndsAtGracefulStop()
    {
        var result = await StressTest.FindKneeAsync("hang", async _ => await Task.Delay(Timeout.Infinite, CancellationToken.None),
            new StressOptions(10, TimeSpan.FromMilliseconds(50)) { StepDuration = TimeSpan.FromMilliseconds(300), GracefulStop = TimeSpan.FromMilliseconds(100), Refinements = 0, AbortBrokenSteps = false },
            cancellationToken: Ct).WaitAsync(Generous, Ct);

        result.Steps.Should().ContainSingle().Which.Run.FailuresByReason.Should().ContainKey("interrupted at graceful stop");
    }
}
