namespace PerfKit.Testing.Tests;

/// <summary>Hostile-user item 5 (cosmetic): summaries read as English and never print a negative zero.</summary>
public sealed class SummaryWordingTests
{
    [Fact]
    public async Task ClosedModel_OneVirtualUser_IsSingular()
    {
        var clock = new VirtualLoadClock();

        var result = await LoadTest.RunAsync("one", _ => ValueTask.CompletedTask, new ClosedModel(1) { Iterations = 3 }, clock, TestContext.Current.CancellationToken);

        result.Model.Should().Be("closed, 1 virtual user");
    }

    [Fact]
    public void PeakMemory_RetainedAFewBytesBelowZero_PrintsZeroNotMinusZero()
    {
        var peak = new PeakMemoryResult(baseline: 10 << 20, peak: 12 << 20, retained: -1_000, allocated: 4 << 20, gen0: 1, gen1: 0, gen2: 0, samples: 5);

        peak.ToString().Should().Contain("retained 0 MiB").And.NotContain("-0");
    }
}
