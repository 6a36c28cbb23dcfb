
namespace PerfKit.Testing.Tests;

/// <summary>
/// Review item 9: the generator's memory must not grow with the core count. The stripe count is forced to what a
/// 64-core machine gets, and the allocation of a 10,000-user run is measured (process-wide, so in the serial collection).
/// </summary>
[Collection(typeof(HeapMeasurements))]
public sealed class GeneratorMemoryTests
{
    private const int SixtyFourCores = 64;
    private const long Budget = 50L << 20;
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task ClosedModel_TenThousandUsers_On64Cores_AllocatesUnder50MB()
    {
        var clock = new VirtualLoadClock();
        var model = new ClosedModel(10_000) { Iterations = 10_000 };

        var allocated = await AllocatedByAsync(() => LoadTest.RunOnProcessorsAsync("users", NoOp(clock), model, clock, SixtyFourCores, Ct));

        allocated.Should().BeLessThan(Budget, "10,000 virtual users fit in 50 MB of generator memory whatever the core count ({0:N0} bytes)", allocated);
    }

    [Fact]
    public async Task OpenModel_TenThousandArrivals_WithThresholds_On64Cores_AllocatesUnder50MB()
    {
        var clock = new VirtualLoadClock();
        var model = new OpenModel(1000, TimeSpan.FromSeconds(10))
        {
            AbortWhen = [LoadThreshold.PercentileAbove(99, TimeSpan.FromHours(1), minIterations: 1)],
        };

        var allocated = await AllocatedByAsync(() => LoadTest.RunOnProcessorsAsync("arrivals", NoOp(clock), model, clock, SixtyFourCores, Ct));

        allocated.Should().BeLessThan(Budget, "three histograms a stripe and a merged copy on every threshold check must not grow with the cores ({0:N0} bytes)", allocated);
    }

    private static Func<ScenarioContext, ValueTask> NoOp(VirtualLoadClock clock) => _ =>
    {
        clock.Advance(TimeSpan.FromMicroseconds(100));
        return ValueTask.CompletedTask;
    };

    private static async Task<long> AllocatedByAsync(Func<Task<LoadResult>> run)
    {
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var result = await run();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        result.Iterations.Should().Be(10_000);
        TestContext.Current.TestOutputHelper?.WriteLine($"{result.Name}: {allocated:N0} bytes allocated");
        return allocated;
    }
}
