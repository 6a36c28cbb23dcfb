using System.Text.Json;
using System.Xml.Linq;
using PerfKit.Testing.Reports;

namespace PerfKit.Testing.Tests;

/// <summary>Defects of the outside review (items 8, 10, 11, 13, 14): each test here failed on the code before its fix.</summary>
public sealed class ReviewDefectTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    // Item 8: the JUnit file must be readable by an XML parser from the FILE (its declaration said utf-16, its bytes were UTF-8).
    [Fact]
    public async Task WriteAsync_JUnitFile_LoadsWithAnXmlParser_AndDeclaresUtf8()
    {
        var report = new ReadinessReport("junit — ünïcode").Check("always", true, "ok").Check("never", false, "measured 5 ms > 1 ms");
        var folder = Directory.CreateTempSubdirectory("perfkit-junit-");
        try
        {
            await report.WriteAsync(folder.FullName, Ct);

            var junit = XDocument.Load(Path.Combine(folder.FullName, "readiness.junit.xml"));

            junit.Declaration!.Encoding.Should().BeEquivalentTo("utf-8");
            var suite = junit.Root!.Element("testsuite")!;
            suite.Attribute("name")!.Value.Should().Be("junit — ünïcode");
            suite.Attribute("failures")!.Value.Should().Be("1");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    // Item 13: the rank of a percentile is the nearest rank, computed without floating-point drift.
    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(1000)]
    [InlineData(1001)]
    [InlineData(12345)]
    [InlineData(100000)]
    public void Percentile_IsTheNearestRank_AtEveryPublishedPercentile(int count)
    {
        var histogram = new LatencyHistogram();
        for (long us = 1; us <= count; us++)
        {
            histogram.RecordMicroseconds(us); // the value of rank r is r
        }

        var wrong = new List<string>();
        foreach (var thousandths in new long[] { 50_000, 90_000, 95_000, 99_000, 99_900, 99_990, 99_999 })
        {
            // Nearest rank, exactly: ceil(p / 100 * n) with p in thousandths of a percent, in integers.
            var rank = Math.Max(1, ((thousandths * count) + 99_999) / 100_000);
            var expected = TimeSpan.FromTicks(Math.Min(LatencyHistogram.HighestEquivalent(LatencyHistogram.Index(rank)), count) * TimeSpan.TicksPerMicrosecond);
            var actual = histogram.Percentile(thousandths / 1000.0);
            if (actual != expected)
            {
                wrong.Add($"p{thousandths / 1000.0} of {count}: {actual.TotalMicroseconds} µs, rank {rank} is {expected.TotalMicroseconds} µs");
            }
        }

        wrong.Should().BeEmpty();
    }

    // Item 14: a closed model hides a stall by construction; the summary and the latency check must say so.
    [Fact]
    public async Task ClosedModel_Summary_AndLatencyCheck_SayItsPercentilesHideStalls()
    {
        var clock = new VirtualLoadClock();
        var run = await LoadTest.RunAsync("stalled closed", context =>
        {
            clock.Advance(context.Iteration == 10 ? TimeSpan.FromSeconds(1) : TimeSpan.FromMilliseconds(1));
            return ValueTask.CompletedTask;
        }, new ClosedModel(1) { Iterations = 1000 }, clock, Ct);

        run.Latency.Percentile(99.9).Should().BeLessThan(TimeSpan.FromMilliseconds(100), "the closed model records the stall as one slow sample: this is what the note is about");
        var report = new ReadinessReport("closed").CheckLatency(run, 99, TimeSpan.FromMilliseconds(100));

        run.ToString().Should().Contain("closed model").And.Contain("arrivals that were never sent").And.Contain("OpenModel");
        report.Checks[0].Detail.Should().Contain("closed model").And.Contain("arrivals that were never sent").And.Contain("OpenModel");
    }

    [Fact]
    public async Task OpenModel_Summary_HasNoClosedModelNote()
    {
        var clock = new VirtualLoadClock();
        var run = await LoadTest.RunAsync("open", _ =>
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
            return ValueTask.CompletedTask;
        }, new OpenModel(100, TimeSpan.FromSeconds(1)), clock, Ct);

        run.ToString().Should().NotContain("never sent");
        new ReadinessReport("open").CheckLatency(run, 99, TimeSpan.FromMilliseconds(100)).Checks[0].Detail.Should().NotContain("never sent");
    }

    // Item 11: failures keep the first few distinct messages of each exception type, bounded, in the result and every report.
    [Fact]
    public async Task Failures_KeepTheFirstDistinctMessagesPerType_InTheResultAndEveryReport()
    {
        var longMessage = new string('x', 1000);
        var result = await LoadTest.RunAsync("faults", context =>
        {
            return context.Iteration switch
            {
                < 20 => throw new InvalidOperationException($"pool exhausted (attempt {context.Iteration % 5})"),
                < 30 => throw new TimeoutException(longMessage),
                _ => ValueTask.CompletedTask,
            };
        }, new ClosedModel(1) { Iterations = 40 }, new VirtualLoadClock(), Ct);

        result.FailuresByReason.Should().BeEquivalentTo(new Dictionary<string, long> { ["InvalidOperationException"] = 20, ["TimeoutException"] = 10 });
        result.FailureMessages["InvalidOperationException"].Should().Equal("pool exhausted (attempt 0)", "pool exhausted (attempt 1)", "pool exhausted (attempt 2)");
        var timeout = result.FailureMessages["TimeoutException"].Should().ContainSingle().Subject;
        timeout.Length.Should().BeLessThanOrEqualTo(LoadResult.MaxFailureMessageLength);
        timeout.Should().StartWith("xxxx").And.EndWith("…");

        var report = new ReadinessReport("faults").CheckErrorRate(result, 0.01);
        const string first = "pool exhausted (attempt 0)";
        result.ToString().Should().Contain(first);
        report.ToMarkdown().Should().Contain(first);
        report.ToHtml().Should().Contain(first);
        var junit = XDocument.Parse(report.ToJUnitXml());
        junit.Descendants("failure").Single().Attribute("message")!.Value.Should().Contain(first);
        junit.Root!.Element("testsuite")!.Element("system-out")!.Value.Should().Contain(first, "the suite's output carries the run summaries, whatever was checked");
        using var json = JsonDocument.Parse(report.ToJson());
        var failures = json.RootElement.GetProperty("runs")[0].GetProperty("failuresByReason");
        failures.EnumerateArray().Should().Contain(f => f.GetProperty("reason").GetString() == "InvalidOperationException"
            && f.GetProperty("count").GetInt64() == 20
            && f.GetProperty("messages")[0].GetString() == first);
    }

    // Item 10: a scenario's synchronous prefix must not hold up the generator's later arrivals.
    [Fact]
    public async Task OpenModel_AScenarioBlockingBeforeItsFirstAwait_DoesNotStopLaterArrivals()
    {
        using var laterArrivalStarted = new ManualResetEventSlim();
        var firstSawALaterArrival = false;

        var result = await LoadTest.RunAsync("blocking prefix", async context =>
        {
            if (context.Iteration == 0)
            {
                // Synchronous work before the first await (CPU, a lock, a blocking call): it holds its own thread only.
                firstSawALaterArrival = laterArrivalStarted.Wait(TimeSpan.FromSeconds(20), CancellationToken.None);
            }
            else
            {
                laterArrivalStarted.Set();
            }

            await Task.Yield();
        }, new OpenModel(200, TimeSpan.FromSeconds(0.05)) { MaxSchedulerLag = TimeSpan.FromHours(1) }, cancellationToken: Ct);

        firstSawALaterArrival.Should().BeTrue("arrival 1 was started while arrival 0 was still blocked in its synchronous prefix");
        result.Iterations.Should().Be(10);
    }
}
