using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using PerfKit.Testing.Internal;

namespace PerfKit.Testing.Tests;

/// <summary>Hostile-user item 4: free-text failure reasons stay bounded, in the result and in the metrics.</summary>
public sealed class FailureReasonBoundsTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Fail_TwentyThousandDistinctReasons_KeepsTheFirstFewAndFoldsTheRestIntoOtherReasons()
    {
        var clock = new VirtualLoadClock();

        var result = await LoadTest.RunAsync("distinct", context =>
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
            context.Fail($"order {context.Iteration} was rejected");
            return ValueTask.CompletedTask;
        }, new ClosedModel(1) { Iterations = 20_000 }, clock, Ct);

        result.Failures.Should().Be(20_000, "every failure is still counted");
        result.FailuresByReason.Should().HaveCount(LoadResult.MaxFailureReasons + 1);
        result.FailuresByReason[LoadResult.OtherFailureReasons].Should().Be(20_000 - LoadResult.MaxFailureReasons);
        result.ToString().Length.Should().BeLessThan(20_000, "the summary is bounded whatever the reasons");
    }

    [Fact]
    public async Task Fail_AVeryLongReason_IsCutLikeAnExceptionMessage()
    {
        var clock = new VirtualLoadClock();

        var result = await LoadTest.RunAsync("long", context =>
        {
            context.Fail(new string('x', 100_000));
            return ValueTask.CompletedTask;
        }, new ClosedModel(1) { Iterations = 3 }, clock, Ct);

        result.FailuresByReason.Keys.Should().ContainSingle().Which.Length.Should().BeLessThanOrEqualTo(LoadResult.MaxFailureMessageLength);
    }

    [Fact]
    public async Task Metrics_FreeTextReasons_NeverBecomeTagValues_AndRunsCarryTheRunTag()
    {
        var services = new ServiceCollection();
        services.AddMetrics();
        services.AddPerfKitTesting();
        await using var provider = services.BuildServiceProvider();
        var clock = new VirtualLoadClock();
        var runner = (LoadTestRunner)provider.GetRequiredService<ILoadTestRunner>();
        runner.Clock = clock;
        var meters = provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var failures = new MetricCollector<long>(meters, PerfKitTestingDiagnostics.MeterName, PerfKitTestingDiagnostics.Instruments.IterationFailures);
        using var runs = new MetricCollector<long>(meters, PerfKitTestingDiagnostics.MeterName, PerfKitTestingDiagnostics.Instruments.Runs);

        await runner.RunAsync("checkout", context =>
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
            if (context.Iteration % 3 == 0)
            {
                context.Fail($"order {context.Iteration} was rejected");
            }
            else if (context.Iteration % 3 == 1)
            {
                throw new TimeoutException($"call {context.Iteration} timed out");
            }

            return ValueTask.CompletedTask;
        }, new ClosedModel(1) { Iterations = 60 }, Ct);

        var reasons = failures.GetMeasurementSnapshot().Select(m => m.Tags[PerfKitTestingDiagnostics.Tags.Reason]).Distinct().ToList();
        reasons.Should().BeEquivalentTo(["failed", nameof(TimeoutException)], "a reason given to Fail is free text: counted as 'failed', never a tag value");
        failures.GetMeasurementSnapshot().Sum(m => m.Value).Should().Be(40);
        runs.GetMeasurementSnapshot().Should().ContainSingle().Which.Tags.Should().Contain(PerfKitTestingDiagnostics.Tags.Run, "checkout");
    }
}
