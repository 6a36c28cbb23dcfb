using Microsoft.Extensions.Time.Testing;

namespace PerfKit.Memory.Tests;

public sealed class ReclaimTests
{
    private const long MiB = 1024 * 1024;

    private static MemoryBudgetOptions Options() => new()
    {
        BudgetBytes = 1000 * MiB,
        AutomaticReclaim = false,
        CompactAsLastResort = false,
        ResponderTimeout = TimeSpan.FromSeconds(5),
    };

    [Fact]
    public async Task ReclaimAsync_RunsRespondersByPriority_UntilUnderTarget()
    {
        var probe = new FakeMemoryProbe(usage: 900 * MiB);
        var calls = new List<string>();
        using var budget = TestBudget.New(Options(), new FakeTimeProvider(), probe,
        [
            new RecordingResponder("lazy", MemoryResponderPriority.LazyResources, probe, 300 * MiB, calls),
            new RecordingResponder("pool", MemoryResponderPriority.Pools, probe, 100 * MiB, calls),
            new RecordingResponder("cache", MemoryResponderPriority.Caches, probe, 150 * MiB, calls),
            new RecordingResponder("last", MemoryResponderPriority.Default, probe, 100 * MiB, calls),
        ]);

        var report = await budget.ReclaimAsync(400 * MiB, TestContext.Current.CancellationToken);

        calls.Should().Equal("pool", "cache", "lazy");
        report.ReachedTarget.Should().BeTrue();
        report.BytesBefore.Should().Be(900 * MiB);
        report.BytesAfter.Should().Be(350 * MiB);
        report.BytesFreed.Should().Be(550 * MiB);
        report.Steps.Select(s => (s.Name, s.BytesFreed, s.Outcome)).Should().Equal(
            ("gc", 0L, ReclaimStepOutcome.Completed),
            ("pool", 100 * MiB, ReclaimStepOutcome.Completed),
            ("cache", 150 * MiB, ReclaimStepOutcome.Completed),
            ("lazy", 300 * MiB, ReclaimStepOutcome.Completed));
        report.Steps[1].ReportedBytes.Should().Be(100 * MiB);
    }

    [Fact]
    public async Task ReclaimAsync_UnderTargetAlready_RunsNothing()
    {
        var probe = new FakeMemoryProbe(usage: 300 * MiB);
        var calls = new List<string>();
        using var budget = TestBudget.New(Options(), new FakeTimeProvider(), probe, [new RecordingResponder("pool", 1, probe, 1, calls)]);

        var report = await budget.ReclaimAsync(400 * MiB, TestContext.Current.CancellationToken);

        calls.Should().BeEmpty();
        report.Steps.Should().BeEmpty();
        report.ReachedTarget.Should().BeTrue();
    }

    [Fact]
    public async Task ReclaimAsync_ThrowingResponder_IsReportedAndTheNextOneRuns()
    {
        var probe = new FakeMemoryProbe(usage: 900 * MiB);
        var calls = new List<string>();
        var failure = new InvalidOperationException("responder bug");
        using var budget = TestBudget.New(Options(), new FakeTimeProvider(), probe,
        [
            new ThrowingResponder(failure),
            new RecordingResponder("cache", 500, probe, 600 * MiB, calls),
        ]);

        var report = await budget.ReclaimAsync(400 * MiB, TestContext.Current.CancellationToken);

        report.Steps.Should().Contain(s => s.Name == "throws" && s.Outcome == ReclaimStepOutcome.Failed && s.Error == failure);
        calls.Should().Equal("cache");
        report.ReachedTarget.Should().BeTrue();
    }

    [Fact]
    public async Task ReclaimAsync_HangingResponder_TimesOutOnTheTimeProvider_AndTheNextOneRuns()
    {
        var probe = new FakeMemoryProbe(usage: 900 * MiB);
        var time = new FakeTimeProvider();
        var calls = new List<string>();
        var hanging = new HangingResponder();
        using var budget = TestBudget.New(Options(), time, probe, [hanging, new RecordingResponder("cache", 500, probe, 600 * MiB, calls)]);

        var reclaim = budget.ReclaimAsync(400 * MiB, TestContext.Current.CancellationToken).AsTask();
        await hanging.Started.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        reclaim.IsCompleted.Should().BeFalse();
        time.Advance(TimeSpan.FromSeconds(5));
        var report = await reclaim.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        report.Steps.Should().Contain(s => s.Name == "hangs" && s.Outcome == ReclaimStepOutcome.TimedOut && s.Duration == TimeSpan.FromSeconds(5));
        hanging.Token.IsCancellationRequested.Should().BeTrue("the responder is told to stop when it times out");
        calls.Should().Equal("cache");
        report.ReachedTarget.Should().BeTrue();
    }

    [Fact]
    public async Task ReclaimAsync_ClockMovingRightAfterTheResponderIsCalled_StillTimesItOut()
    {
        // The race a loaded CI machine hit: the test's clock moved after the responder started but before the timeout's
        // timer existed, so the timer never fired. Here the responder moves the clock itself, deterministically.
        var probe = new FakeMemoryProbe(usage: 900 * MiB);
        var time = new FakeTimeProvider();
        var calls = new List<string>();
        using var budget = TestBudget.New(Options(), time, probe, [new ClockMovingResponder(time, TimeSpan.FromSeconds(5)), new RecordingResponder("cache", 500, probe, 600 * MiB, calls)]);

        var report = await budget.ReclaimAsync(400 * MiB, TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        report.Steps.Should().Contain(s => s.Name == "moves the clock" && s.Outcome == ReclaimStepOutcome.TimedOut);
        calls.Should().Equal("cache");
    }

    [Fact]
    public async Task ReclaimAsync_WithoutTarget_UsesTheReclaimTargetFraction()
    {
        var probe = new FakeMemoryProbe(usage: 900 * MiB);
        using var budget = TestBudget.New(Options(), new FakeTimeProvider(), probe);

        var report = await budget.ReclaimAsync(TestContext.Current.CancellationToken);

        report.TargetBytes.Should().Be(700 * MiB);
        report.ReachedTarget.Should().BeFalse();
    }

    [Fact]
    public async Task ReclaimAsync_RejectsANonPositiveTarget()
    {
        using var budget = TestBudget.New(Options(), new FakeTimeProvider(), new FakeMemoryProbe());

        var act = async () => await budget.ReclaimAsync(0, TestContext.Current.CancellationToken);

        await act.Should().ThrowAsync<ArgumentOutOfRangeException>().WithParameterName("targetBytes");
    }

    [Fact]
    public async Task Register_AddsAResponder_AndDisposingTheHandleRemovesIt()
    {
        var probe = new FakeMemoryProbe(usage: 900 * MiB);
        var calls = new List<string>();
        using var budget = TestBudget.New(Options(), new FakeTimeProvider(), probe);
        var handle = budget.Register(new RecordingResponder("late", 1, probe, 0, calls));

        await budget.ReclaimAsync(400 * MiB, TestContext.Current.CancellationToken);
        handle.Dispose();
        await budget.ReclaimAsync(400 * MiB, TestContext.Current.CancellationToken);

        calls.Should().Equal("late");
    }

    [Fact]
    public async Task ReclaimAsync_WithARealHeap_BringsTheManagedHeapUnderTheTarget()
    {
        const long held = 320 * MiB;
        var hog = new HeapHog(held);
        var options = new MemoryBudgetOptions
        {
            UsageSource = MemoryUsageSource.ManagedHeap,
            BudgetBytes = 1024 * MiB,
            AutomaticReclaim = false,
        };
        using var budget = TestBudget.New(options);
        budget.Register(hog);
        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        before.Should().BeGreaterThan(held * 9 / 10, "the hog really holds its memory");
        var target = before - (held / 2);

        var report = await budget.ReclaimAsync(target, TestContext.Current.CancellationToken);

        report.ReachedTarget.Should().BeTrue(report.ToString());
        report.Steps.Should().Contain(s => s.Name == "heap-hog" && s.BytesFreed >= held / 2);
        GC.GetTotalMemory(forceFullCollection: true).Should().BeLessThan(target);
        hog.IsHolding.Should().BeFalse();
    }

    [Fact]
    public async Task ReclaimAsync_DoesNotReadOrCollectOnTheCallersThread_BeforeItsFirstAwait()
    {
        var probe = new FakeMemoryProbe(usage: 900 * MiB);
        using var budget = TestBudget.New(Options(), new FakeTimeProvider(), probe);
        var caller = Environment.CurrentManagedThreadId;
        var inCall = 1;
        var readsInCall = 0;
        probe.OnRead = () =>
        {
            if (Volatile.Read(ref inCall) == 1 && Environment.CurrentManagedThreadId == caller)
            {
                Interlocked.Increment(ref readsInCall);
            }
        };

        var reclaim = budget.ReclaimAsync(400 * MiB, TestContext.Current.CancellationToken);
        Volatile.Write(ref inCall, 0);
        await reclaim;

        readsInCall.Should().Be(0, "the blocking collections of a reclaim run off the caller's thread");
    }

    private sealed class ThrowingResponder(Exception failure) : IMemoryPressureResponder
    {
        public string Name => "throws";

        public int Priority => 1;

        public ValueTask<long> RespondAsync(MemoryPressureContext context, CancellationToken cancellationToken) => throw failure;
    }

    private sealed class HangingResponder : IMemoryPressureResponder
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationToken Token { get; private set; }

        public string Name => "hangs";

        public int Priority => 1;

        public async ValueTask<long> RespondAsync(MemoryPressureContext context, CancellationToken cancellationToken)
        {
            Token = cancellationToken;
            Started.SetResult();
            await new TaskCompletionSource().Task; // never completes, and ignores the token on purpose
            return 0;
        }
    }

    /// <summary>Moves the clock past the responder timeout as soon as it is called, then never answers.</summary>
    private sealed class ClockMovingResponder(FakeTimeProvider time, TimeSpan by) : IMemoryPressureResponder
    {
        public string Name => "moves the clock";

        public int Priority => 1;

        public ValueTask<long> RespondAsync(MemoryPressureContext context, CancellationToken cancellationToken)
        {
            time.Advance(by);
            return new ValueTask<long>(new TaskCompletionSource<long>().Task);
        }
    }

    /// <summary>Really holds memory (1 MiB arrays, touched so they are committed) until asked to let go.</summary>
    private sealed class HeapHog : IMemoryPressureResponder
    {
        private List<byte[]>? _blocks;

        public HeapHog(long bytes)
        {
            _blocks = [];
            for (long i = 0; i < bytes / MiB; i++)
            {
                var block = new byte[MiB];
                Random.Shared.NextBytes(block.AsSpan(0, 4096));
                _blocks.Add(block);
            }
        }

        public bool IsHolding => _blocks is not null;

        public string Name => "heap-hog";

        public int Priority => 1;

        public ValueTask<long> RespondAsync(MemoryPressureContext context, CancellationToken cancellationToken)
        {
            var held = (_blocks?.Count ?? 0) * MiB;
            _blocks = null;
            return ValueTask.FromResult(held);
        }
    }
}
