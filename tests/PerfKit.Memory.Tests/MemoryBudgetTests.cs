using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PerfKit.Memory.Internal;
using PerfKit.Memory.Pooling;

namespace PerfKit.Memory.Tests;

public sealed class MemoryBudgetTests
{
    private const long MiB = 1024 * 1024;

    private static MemoryBudgetOptions Options(long budget = 1000 * MiB) => new()
    {
        BudgetBytes = budget,
        AutomaticReclaim = false,
        SamplingInterval = TimeSpan.FromSeconds(1),
    };

    [Theory]
    [InlineData(MemoryPressureLevel.Normal, 0.69, MemoryPressureLevel.Normal)]
    [InlineData(MemoryPressureLevel.Normal, 0.70, MemoryPressureLevel.Elevated)]
    [InlineData(MemoryPressureLevel.Normal, 0.90, MemoryPressureLevel.High)]
    [InlineData(MemoryPressureLevel.Normal, 0.99, MemoryPressureLevel.Critical)]
    [InlineData(MemoryPressureLevel.Elevated, 0.66, MemoryPressureLevel.Elevated)]
    [InlineData(MemoryPressureLevel.Elevated, 0.64, MemoryPressureLevel.Normal)]
    [InlineData(MemoryPressureLevel.Critical, 0.91, MemoryPressureLevel.Critical)]
    [InlineData(MemoryPressureLevel.Critical, 0.89, MemoryPressureLevel.High)]
    [InlineData(MemoryPressureLevel.Critical, 0.50, MemoryPressureLevel.Normal)]
    [InlineData(MemoryPressureLevel.High, 0.72, MemoryPressureLevel.Elevated)]
    public void Next_RisesAtOnceAndFallsOnlyPastTheHysteresis(MemoryPressureLevel current, double ratio, MemoryPressureLevel expected) =>
        PressureLevels.Next(current, ratio, new MemoryBudgetOptions()).Should().Be(expected);

    [Fact]
    public void Subscribe_TheSameObserverTwice_DisposingOneSubscriptionKeepsTheOther()
    {
        var probe = new FakeMemoryProbe(usage: 100 * MiB);
        using var budget = TestBudget.New(Options(), new FakeTimeProvider(), probe);
        var observer = new CountingObserver();
        var first = budget.Subscribe(observer);
        using var second = budget.Subscribe(observer);

        first.Dispose();
        probe.Usage = 960 * MiB;
        budget.Sample();

        observer.Changes.Should().Be(1, "one subscription is still alive (a dispose used to remove every copy of the observer)");
    }

    private sealed class CountingObserver : IObserver<MemoryPressureChange>
    {
        public int Changes { get; private set; }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void OnNext(MemoryPressureChange value) => Changes++;
    }

    [Fact]
    public void Sample_PublishesEachChangeOnceInOrder_AndDoesNotFlapAtAThreshold()
    {
        var probe = new FakeMemoryProbe(usage: 100 * MiB);
        var time = new FakeTimeProvider();
        using var budget = TestBudget.New(Options(), time, probe);
        var changes = new List<MemoryPressureChange>();
        using var subscription = budget.OnPressureChanged(changes.Add);
        budget.Start();

        foreach (var usage in new long[] { 710, 690, 705, 680, 860, 960, 940, 600 })
        {
            probe.Usage = usage * MiB;
            time.Advance(TimeSpan.FromSeconds(1));
        }

        changes.Select(c => (c.Previous, c.Current)).Should().Equal(
            (MemoryPressureLevel.Normal, MemoryPressureLevel.Elevated),
            (MemoryPressureLevel.Elevated, MemoryPressureLevel.High),
            (MemoryPressureLevel.High, MemoryPressureLevel.Critical),
            (MemoryPressureLevel.Critical, MemoryPressureLevel.Normal));
        changes[0].UsageBytes.Should().Be(710 * MiB);
        changes[0].BudgetBytes.Should().Be(1000 * MiB);
        changes[0].Timestamp.Should().Be(time.Start + TimeSpan.FromSeconds(1));
        budget.Level.Should().Be(MemoryPressureLevel.Normal);
    }

    [Fact]
    public void Sample_RunsOnTheTimeProvidersTimer()
    {
        var probe = new FakeMemoryProbe(usage: 100 * MiB);
        var time = new FakeTimeProvider();
        using var budget = TestBudget.New(Options() , time, probe);
        budget.Start();
        var reads = probe.Reads;

        time.Advance(TimeSpan.FromSeconds(5));

        probe.Reads.Should().Be(reads + 5);
    }

    [Fact]
    public void Stop_StopsTheTimer()
    {
        var probe = new FakeMemoryProbe(usage: 100 * MiB);
        var time = new FakeTimeProvider();
        using var budget = TestBudget.New(Options(), time, probe);
        budget.Start();
        budget.Stop();
        var reads = probe.Reads;

        time.Advance(TimeSpan.FromSeconds(5));

        probe.Reads.Should().Be(reads);
    }

    [Fact]
    public async Task GarbageCollection_TriggersASampleWithoutTheTimer()
    {
        var probe = new FakeMemoryProbe(usage: 100 * MiB);
        using var budget = TestBudget.New(Options(), new FakeTimeProvider(), probe);
        var raised = new TaskCompletionSource<MemoryPressureChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = budget.OnPressureChanged(c => raised.TrySetResult(c));
        budget.Start();
        probe.Usage = 990 * MiB;

        for (var i = 0; i < 100 && !raised.Task.IsCompleted; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true);
            GC.WaitForPendingFinalizers();
            await Task.WhenAny(raised.Task, Task.Delay(50, TestContext.Current.CancellationToken));
        }

        (await raised.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken)).Current.Should().Be(MemoryPressureLevel.Critical);
    }

    [Fact]
    public void Budget_FromFraction_UsesTheContainerLimit_AndTheSmallerOfBothSettings()
    {
        var probe = new FakeMemoryProbe(usage: 0, available: 64L << 30, containerLimit: 2000 * MiB);
        using var fromFraction = TestBudget.New(new MemoryBudgetOptions { BudgetFraction = 0.5 }, probe: probe);
        using var both = TestBudget.New(new MemoryBudgetOptions { BudgetFraction = 0.5, BudgetBytes = 300 * MiB }, probe: probe);
        using var neither = TestBudget.New(new MemoryBudgetOptions(), probe: probe);

        fromFraction.BudgetBytes.Should().Be(1000 * MiB);
        both.BudgetBytes.Should().Be(300 * MiB);
        neither.BudgetBytes.Should().Be(1500 * MiB);
    }

    [Fact]
    public void Budget_WithoutAContainer_FallsBackToAvailableMemory()
    {
        var probe = new FakeMemoryProbe(usage: 0, available: 4000 * MiB, containerLimit: null);
        using var budget = TestBudget.New(new MemoryBudgetOptions { BudgetFraction = 0.25 }, probe: probe);

        budget.BudgetBytes.Should().Be(1000 * MiB);
    }

    [Fact]
    public void Observer_ThatThrows_DoesNotStopTheOthers()
    {
        var probe = new FakeMemoryProbe(usage: 100 * MiB);
        using var budget = TestBudget.New(Options(), new FakeTimeProvider(), probe);
        var seen = new List<MemoryPressureLevel>();
        using var bad = budget.OnPressureChanged(_ => throw new InvalidOperationException("observer bug"));
        using var good = budget.OnPressureChanged(c => seen.Add(c.Current));
        probe.Usage = 900 * MiB;

        budget.Sample().Should().Be(MemoryPressureLevel.High);

        seen.Should().Equal(MemoryPressureLevel.High);
    }

    [Fact]
    public async Task HighPressure_ReclaimsAutomatically_AtMostOncePerInterval()
    {
        var probe = new FakeMemoryProbe(usage: 100 * MiB);
        var time = new FakeTimeProvider();
        var calls = new List<string>();
        var options = Options();
        options.AutomaticReclaim = true;
        options.CompactAsLastResort = false;
        options.MinimumReclaimInterval = TimeSpan.FromSeconds(30);
        var responder = new RecordingResponder("cache", 1, probe, 300 * MiB, calls); // reaches the target, so no backoff
        using var budget = TestBudget.New(options, time, probe, [responder]);
        budget.Start();

        probe.Usage = 900 * MiB;
        time.Advance(TimeSpan.FromSeconds(1));
        (await responder.Called.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken)).Should().BeTrue();
        await WaitForAutomaticReclaim(budget);
        probe.Usage = 900 * MiB; // pressure comes back at once
        time.Advance(TimeSpan.FromSeconds(10));
        calls.Should().HaveCount(1, "a second automatic reclaim within the interval is suppressed");
        time.Advance(TimeSpan.FromSeconds(21));
        (await responder.Called.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken)).Should().BeTrue();
        responder.LastContext!.TargetBytes.Should().Be(700 * MiB);
    }

    [Fact]
    public async Task Sample_OnlyReads_AndTheMonitorStartsTheAutomaticReclaim()
    {
        var probe = new FakeMemoryProbe(usage: 100 * MiB);
        var time = new FakeTimeProvider();
        var calls = new List<string>();
        var options = Options();
        options.AutomaticReclaim = true;
        options.CompactAsLastResort = false;
        var responder = new RecordingResponder("cache", 1, probe, 0, calls);
        using var budget = TestBudget.New(options, time, probe, [responder]);
        budget.Start();
        probe.Usage = 900 * MiB;

        budget.Sample().Should().Be(MemoryPressureLevel.High);

        budget.AutomaticReclaimInFlight.Should().BeNull("a read must not act");
        calls.Should().BeEmpty();

        time.Advance(options.SamplingInterval);
        await budget.AutomaticReclaimInFlight!.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        calls.Should().Equal("cache");
    }

    [Fact]
    public async Task AutomaticReclaim_ThatMissesItsTarget_BacksOff_AndResetsWhenPressureFalls()
    {
        var probe = new FakeMemoryProbe(usage: 100 * MiB);
        var time = new FakeTimeProvider();
        var calls = new List<string>();
        var options = Options();
        options.AutomaticReclaim = true;
        options.CompactAsLastResort = false;
        options.MinimumReclaimInterval = TimeSpan.FromSeconds(1);
        var responder = new RecordingResponder("cache", 1, probe, 0, calls); // frees nothing: the target is out of reach
        using var budget = TestBudget.New(options, time, probe, [responder]);
        budget.Start();
        probe.Usage = 900 * MiB;

        for (var second = 0; second < 63; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await WaitForAutomaticReclaim(budget);
        }

        // Each miss doubles the interval (1, 2, 4, 8, 16, 32 s): reclaims at seconds 1, 3, 7, 15, 31 and 63, not 63 of them.
        calls.Should().HaveCount(6);

        probe.Usage = 100 * MiB;
        time.Advance(TimeSpan.FromSeconds(1));
        probe.Usage = 900 * MiB;
        time.Advance(TimeSpan.FromSeconds(1));
        await WaitForAutomaticReclaim(budget);
        calls.Should().HaveCount(7, "pressure fell, so the backoff was reset");
    }

    [Fact]
    public async Task AutomaticReclaim_Backoff_StopsAtTheMaximumReclaimInterval()
    {
        var probe = new FakeMemoryProbe(usage: 100 * MiB);
        var time = new FakeTimeProvider();
        var calls = new List<string>();
        var options = Options();
        options.AutomaticReclaim = true;
        options.CompactAsLastResort = false;
        options.MinimumReclaimInterval = TimeSpan.FromSeconds(1);
        options.MaximumReclaimInterval = TimeSpan.FromSeconds(4);
        using var budget = TestBudget.New(options, time, probe, [new RecordingResponder("cache", 1, probe, 0, calls)]);
        budget.Start();
        probe.Usage = 900 * MiB;

        for (var second = 0; second < 30; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await WaitForAutomaticReclaim(budget);
        }

        // Seconds 1, 3, 7, then every 4 s: 11, 15, 19, 23, 27.
        calls.Should().HaveCount(8);
        budget.AutomaticReclaimInterval.Should().Be(TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task Stop_CancelsARunningAutomaticReclaim()
    {
        var probe = new FakeMemoryProbe(usage: 100 * MiB);
        var time = new FakeTimeProvider();
        var options = Options();
        options.AutomaticReclaim = true;
        options.CompactAsLastResort = false;
        var responder = new BlockingResponder();
        using var budget = TestBudget.New(options, time, probe, [responder]);
        budget.Start();
        probe.Usage = 900 * MiB;
        time.Advance(options.SamplingInterval);
        var token = await responder.Started.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        budget.Stop();

        token.IsCancellationRequested.Should().BeTrue("Stop cancels the reclaim it started");
        var finished = budget.AutomaticReclaimInFlight;
        if (finished is not null)
        {
            await finished.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(999)]
    public void Constructor_RejectsAMinimumReclaimIntervalUnderOneSecond_NamingTheOption(int milliseconds)
    {
        var act = () => TestBudget.New(new MemoryBudgetOptions { MinimumReclaimInterval = TimeSpan.FromMilliseconds(milliseconds) });

        act.Should().Throw<OptionsValidationException>().WithMessage("*MinimumReclaimInterval*");
    }

    [Fact]
    public void Constructor_RejectsAMaximumReclaimIntervalBelowTheMinimum_NamingTheOption()
    {
        var act = () => TestBudget.New(new MemoryBudgetOptions { MinimumReclaimInterval = TimeSpan.FromMinutes(5), MaximumReclaimInterval = TimeSpan.FromMinutes(1) });

        act.Should().Throw<OptionsValidationException>().WithMessage("*MaximumReclaimInterval*at least MinimumReclaimInterval*");
    }

    [Fact]
    public void ApplyHeapHardLimit_KeepsTheBudget_AfterTheGcSeesTheNewLimit()
    {
        var probe = new FakeMemoryProbe(usage: 100 * MiB, available: 8000 * MiB);
        var time = new FakeTimeProvider();
        using var budget = TestBudget.New(new MemoryBudgetOptions { BudgetFraction = 0.75, ApplyHeapHardLimit = true, AutomaticReclaim = false }, time, probe);
        long? applied = null;
        budget.HeapHardLimitApplier = limit =>
        {
            applied = limit;
            probe.Available = limit; // what the GC reports once the hard limit is in force
        };

        budget.Start();
        time.Advance(TimeSpan.FromSeconds(1));

        applied.Should().Be(6000 * MiB);
        budget.BudgetBytes.Should().Be(6000 * MiB);
    }

    [Fact]
    public void StartStopCycles_LeaveOneGen2Callback()
    {
        using var budget = TestBudget.New(Options(), new FakeTimeProvider(), new FakeMemoryProbe(usage: 100 * MiB));
        for (var i = 0; i < 10; i++)
        {
            budget.Start();
            budget.Stop();
        }

        budget.Start();
        for (var attempt = 0; attempt < 10 && budget.Gen2CallbackCount != 1; attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        budget.Gen2CallbackCount.Should().Be(1);
    }

    [Fact]
    public async Task Members_AfterDispose_ThrowObjectDisposedException_AndDisposeIsIdempotent()
    {
        var budget = TestBudget.New(new MemoryBudgetOptions { BudgetBytes = 1000 }, new FakeTimeProvider(), new FakeMemoryProbe(usage: 100));
        budget.Dispose();

        budget.Invoking(b => b.Start()).Should().Throw<ObjectDisposedException>();
        budget.IsRunning.Should().BeFalse("a disposed budget never restarts its monitor");
        budget.Invoking(b => b.Sample()).Should().Throw<ObjectDisposedException>();
        await budget.Invoking(b => b.ReclaimAsync(TestContext.Current.CancellationToken).AsTask()).Should().ThrowAsync<ObjectDisposedException>();
        await budget.Invoking(b => b.ReclaimAsync(10, TestContext.Current.CancellationToken).AsTask()).Should().ThrowAsync<ObjectDisposedException>();
        budget.Invoking(b => b.OnPressureChanged(_ => { })).Should().Throw<ObjectDisposedException>();
        budget.Invoking(b => b.Register(new BoundedArrayPool<byte>())).Should().Throw<ObjectDisposedException>();
        budget.Invoking(b => b.Dispose()).Should().NotThrow();
        await budget.Invoking(b => b.DisposeAsync().AsTask()).Should().NotThrowAsync();
        budget.Invoking(b => b.Stop()).Should().NotThrow("stopping a disposed budget is harmless");
    }

    [Fact]
    public void Dispose_WithAnObserverThatThrowsOnCompleted_CompletesTheOthers()
    {
        var budget = TestBudget.New(Options(), new FakeTimeProvider(), new FakeMemoryProbe(usage: 100 * MiB));
        var completed = new CompletionObserver();
        using var bad = budget.Subscribe(new CompletionObserver(new InvalidOperationException("observer bug")));
        using var good = budget.Subscribe(completed);

        budget.Invoking(b => b.Dispose()).Should().NotThrow();

        completed.Completed.Should().BeTrue();
    }

    [Theory]
    [InlineData(0L, null, "BudgetBytes")]
    [InlineData(-5L, null, "BudgetBytes")]
    [InlineData(null, 0.0, "BudgetFraction")]
    [InlineData(null, 1.5, "BudgetFraction")]
    public void Constructor_RejectsBadBudgets_NamingTheOption(long? bytes, double? fraction, string option)
    {
        var act = () => TestBudget.New(new MemoryBudgetOptions { BudgetBytes = bytes, BudgetFraction = fraction });

        act.Should().Throw<OptionsValidationException>().WithMessage($"*{option}*");
    }

    [Fact]
    public void Constructor_RejectsThresholdsOutOfOrder_NamingTheOption()
    {
        var act = () => TestBudget.New(new MemoryBudgetOptions { ElevatedThreshold = 0.9, HighThreshold = 0.8 });

        act.Should().Throw<OptionsValidationException>().WithMessage("*ElevatedThreshold*increasing order*");
    }

    [Fact]
    public void Constructor_RejectsAReclaimTargetAboveHigh_AndZeroSampling()
    {
        var act = () => TestBudget.New(new MemoryBudgetOptions { ReclaimTargetFraction = 0.9, SamplingInterval = TimeSpan.Zero });

        act.Should().Throw<OptionsValidationException>()
            .Which.Failures.Should().Contain(f => f.Contains("ReclaimTargetFraction", StringComparison.Ordinal))
            .And.Contain(f => f.Contains("SamplingInterval", StringComparison.Ordinal));
    }

    private static async Task WaitForAutomaticReclaim(MemoryBudget budget)
    {
        if (budget.AutomaticReclaimInFlight is { } reclaim)
        {
            await reclaim.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        }
    }

    private sealed class BlockingResponder : IMemoryPressureResponder
    {
        public TaskCompletionSource<CancellationToken> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "blocks";

        public int Priority => 1;

        public async ValueTask<long> RespondAsync(MemoryPressureContext context, CancellationToken cancellationToken)
        {
            Started.TrySetResult(cancellationToken);
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }
    }

    private sealed class CompletionObserver(Exception? failure = null) : IObserver<MemoryPressureChange>
    {
        public bool Completed { get; private set; }

        public void OnCompleted()
        {
            Completed = true;
            if (failure is not null)
            {
                throw failure;
            }
        }

        public void OnError(Exception error)
        {
        }

        public void OnNext(MemoryPressureChange value)
        {
        }
    }
}
