using System.Text;
using PerfKit.TestUtilities;

namespace PerfKit.Testing.Tests;

/// <summary>The README's quick start, as real tests (a test below checks the README shows exactly this code).</summary>
public sealed class ReadmeQuickStartTests
{
    private readonly StringBuilder _builder = new(64); // the object under test of the allocation check
    private sealed class Session; // stands for any object that must not outlive its use

    [Fact]
    public void FormattingAnOrderLine_DoesNotAllocate()
    {
        var act = () => _builder.Clear().Append("order ").Append(42);

        act.Should().NotAllocate();
    }

    [Fact]
    public void AClosedSession_IsCollected()
    {
        var session = LeakCheck.Track(() => new Session());

        session.Should().BeCollected("nothing keeps a closed session");
    }

    [Fact]
    public void LatencyPercentiles_InConstantMemory()
    {
        var latencies = new LatencyHistogram();
        foreach (var ms in new[] { 12, 15, 11, 240, 13 })
        {
            latencies.Record(TimeSpan.FromMilliseconds(ms));
        }

        latencies.Percentile(50).Should().BeLessThan(TimeSpan.FromMilliseconds(20));
        latencies.Max.Should().Be(TimeSpan.FromMilliseconds(240));
    }

    [Fact]
    public void Readme_ShowsThisCode() =>
        DocumentationSnippets.AssertReadmeBlocksAreCompiled("src/PerfKit.Testing/README.md", "tests/PerfKit.Testing.Tests/ReadmeQuickStartTests.cs", "tests/PerfKit.Testing.Tests/HelloEndpointTests.cs", "tests/PerfKit.Testing.Tests/HttpLoadTests.cs", "tests/PerfKit.Testing.Tests/PeakMemoryAndSoakTests.cs");
}
