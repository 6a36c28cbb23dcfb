using System.Text.Json;
using System.Xml.Linq;
using PerfKit.Testing.Reports;

namespace PerfKit.Testing.Tests;

public sealed class ReadinessReportTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    private static async Task<LoadResult> RunAsync(string name, TimeSpan callTime, int failEvery = 0)
    {
        var clock = new VirtualLoadClock();
        return await LoadTest.RunAsync(name, context =>
        {
            clock.Advance(callTime);
            if (failEvery > 0 && context.Iteration % failEvery == 0)
            {
                context.Fail("status 500");
            }

            return ValueTask.CompletedTask;
        }, new OpenModel(50, TimeSpan.FromSeconds(2)), clock, Ct);
    }

    [Fact]
    public async Task AllChecksPassing_IsReady_WithFullScore()
    {
        var run = await RunAsync("GET /orders", TimeSpan.FromMilliseconds(5));

        var report = new ReadinessReport("orders v2")
            .CheckLatency(run, 95, TimeSpan.FromMilliseconds(200))
            .CheckErrorRate(run, 0.01)
            .CheckGeneratorValid(run)
            .CheckMemory("working set", 150L << 20, 200L << 20);

        report.Passed.Should().BeTrue();
        report.Score.Should().Be(100);
        report.Runs.Should().ContainSingle();
    }

    [Fact]
    public async Task AFailingCheck_MakesItNotReady_AndSaysWhy()
    {
        var slow = await RunAsync("GET /search", TimeSpan.FromMilliseconds(15), failEvery: 10);

        var report = new ReadinessReport("search v1")
            .CheckLatency(slow, 95, TimeSpan.FromMilliseconds(10))
            .CheckErrorRate(slow, 0.01)
            .CheckGeneratorValid(slow)
            .Check("custom: cache hit ratio above 80%", true, "91%");

        report.Passed.Should().BeFalse();
        report.Score.Should().Be(50);
        report.Checks[0].Detail.Should().Contain("measured 15 ms");
        report.Checks[1].Detail.Should().Contain("10.00 %").And.Contain("status 500 ×10");
        report.ToMarkdown().Should().Contain("**NOT READY** — score 50/100").And.Contain("| p95 latency of GET /search below 10 ms | **FAIL** |");
    }

    [Fact]
    public async Task AnInvalidRun_FailsItsLatencyCheck_WhateverItsFigures()
    {
        var clock = new VirtualLoadClock();
        var stalled = await LoadTest.RunAsync("stalled", context =>
        {
            clock.Advance(context.Iteration == 0 ? TimeSpan.FromSeconds(1) : TimeSpan.Zero);
            return ValueTask.CompletedTask;
        }, new OpenModel(100, TimeSpan.FromSeconds(1)), clock, Ct);

        var report = new ReadinessReport("x").CheckLatency(stalled, 50, TimeSpan.FromHours(1));

        report.Passed.Should().BeFalse();
        report.Checks[0].Detail.Should().StartWith("the run is invalid");
    }

    [Fact]
    public async Task Json_And_JUnit_CarryEveryCheck()
    {
        var run = await RunAsync("GET /orders", TimeSpan.FromMilliseconds(5));
        var report = new ReadinessReport("orders v2")
            .CheckLatency(run, 99, TimeSpan.FromMilliseconds(1))
            .CheckErrorRate(run, 0.01);

        using var json = JsonDocument.Parse(report.ToJson());
        var junit = XDocument.Parse(report.ToJUnitXml());

        json.RootElement.GetProperty("passed").GetBoolean().Should().BeFalse();
        json.RootElement.GetProperty("score").GetDouble().Should().Be(50);
        json.RootElement.GetProperty("checks").GetArrayLength().Should().Be(2);
        json.RootElement.GetProperty("runs")[0].GetProperty("latencyMs").GetProperty("p99").GetDouble().Should().Be(5);
        var timeline = json.RootElement.GetProperty("runs")[0].GetProperty("timeline");
        timeline.GetArrayLength().Should().Be(2, "the 2 s run has two seconds");
        timeline[1].GetProperty("iterations").GetInt64().Should().Be(50);
        timeline[1].GetProperty("meanMs").GetDouble().Should().Be(5);
        var suite = junit.Root!.Element("testsuite")!;
        suite.Attribute("tests")!.Value.Should().Be("2");
        suite.Attribute("failures")!.Value.Should().Be("1");
        suite.Elements("testcase").Count(t => t.Element("failure") is not null).Should().Be(1);
    }

    [Fact]
    public async Task WriteAsync_WritesTheFourFiles()
    {
        var report = new ReadinessReport("files").Check("always", true, "ok");
        var folder = Path.Combine(Path.GetTempPath(), "perfkit-report-" + Guid.NewGuid().ToString("N"));
        try
        {
            await report.WriteAsync(folder, Ct);

            Directory.GetFiles(folder).Select(Path.GetFileName).Should().BeEquivalentTo(["readiness.md", "readiness.json", "readiness.junit.xml", "readiness.html"]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void AnEmptyReport_IsNotReady() =>
        new ReadinessReport("nothing checked").Passed.Should().BeFalse();
}
