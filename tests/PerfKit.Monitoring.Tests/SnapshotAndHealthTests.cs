using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using PerfKit.Monitoring.Alerting;
using PerfKit.Monitoring.Health;

namespace PerfKit.Monitoring.Tests;

public sealed class SnapshotAndHealthTests
{
    [Fact]
    public void Snapshot_HasSeriesActiveAlertsAndHistory_AndSerialisesToJson()
    {
        using var monitor = new TestMonitor(null, new AlertRuleOptions { Name = "big", Metric = "size", Aggregation = AlertAggregation.Max, Threshold = 10, Window = TimeSpan.FromSeconds(10) });
        var histogram = monitor.Meter.CreateHistogram<double>("size", "By");
        histogram.Record(100, new KeyValuePair<string, object?>("kind", "a"));
        monitor.Tick();

        var snapshot = monitor.Monitor.GetSnapshot();
        var json = snapshot.ToJson();
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;

        snapshot.ActiveAlerts.Should().ContainSingle().Which.State.Should().Be(AlertState.Firing);
        root.GetProperty("activeAlerts")[0].GetProperty("state").GetString().Should().Be("Firing");
        root.GetProperty("history")[0].GetProperty("status").GetString().Should().Be("Firing");
        var series = root.GetProperty("series").EnumerateArray().Single(s => s.GetProperty("instrument").GetString() == "size");
        series.GetProperty("unit").GetString().Should().Be("By");
        series.GetProperty("tags").GetProperty("kind").GetString().Should().Be("a");
        series.GetProperty("p99").GetDouble().Should().BeApproximately(100, 100 / 32.0);
        series.TryGetProperty("last", out _).Should().BeFalse("a histogram has no last value");
    }

    [Fact]
    public void History_IsARingOfTheLatestTransitions()
    {
        using var monitor = new TestMonitor(
            o => o.AlertHistoryCapacity = 3,
            new AlertRuleOptions { Name = "v", Metric = "v", Aggregation = AlertAggregation.Last, Threshold = 10, Window = TimeSpan.FromSeconds(10), FlapThreshold = 0 });
        var gauge = monitor.Meter.CreateGauge<double>("v");
        foreach (var value in new double[] { 20, 0, 20, 0, 20 })
        {
            gauge.Record(value);
            monitor.Tick();
        }

        var history = monitor.Monitor.GetSnapshot().History;

        history.Should().HaveCount(3);
        history.Select(h => h.Status).Should().Equal(PerfKit.Monitoring.Notifications.AlertStatus.Firing, PerfKit.Monitoring.Notifications.AlertStatus.Resolved, PerfKit.Monitoring.Notifications.AlertStatus.Firing);
        history[^1].StartsAt.Should().Be(monitor.Time.GetUtcNow());
    }

    [Fact]
    public async Task LatencyCheck_IsDegradedAboveTheObjective_AndReadsTheCachedResult()
    {
        using var monitor = new TestMonitor(o =>
        {
            o.HealthChecks.LatencyMetric = "req";
            o.HealthChecks.LatencyThreshold = 0.2;
        });
        var check = new LatencySloHealthCheck(monitor.Monitor);
        var histogram = monitor.Meter.CreateHistogram<double>("req");
        (await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken)).Status.Should().Be(HealthStatus.Healthy);

        histogram.Record(0.5);
        (await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken)).Status.Should().Be(HealthStatus.Healthy, "nothing is computed until the tick");
        monitor.Tick();

        var result = await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);
        result.Status.Should().Be(HealthStatus.Degraded);
        result.Description.Should().Contain("P99 of req");
    }

    [Fact]
    public async Task MemoryCheck_ReadsPerfKitMemorysBudgetFromItsMeter()
    {
        using var memoryMeter = new Meter("PerfKit.Memory");
        long usage = 50;
        memoryMeter.CreateObservableGauge("perfkit.memory.budget", () => 100L);
        memoryMeter.CreateObservableGauge("perfkit.memory.usage", () => usage);
        using var monitor = new TestMonitor(o => o.Meters.Add("PerfKit.Memory"));
        var check = new MemoryBudgetHealthCheck(monitor.Monitor);

        monitor.Tick();
        (await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken)).Status.Should().Be(HealthStatus.Healthy);
        usage = 95;
        monitor.Tick();
        (await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken)).Status.Should().Be(HealthStatus.Degraded);
        usage = 120;
        monitor.Tick();
        (await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken)).Status.Should().Be(HealthStatus.Unhealthy);
    }

    [Fact]
    public void TrendRule_WithoutALimit_ProjectsToPerfKitMemorysBudget()
    {
        // In this class (run one test at a time) because it creates a meter named PerfKit.Memory too.
        const double MB = 1024 * 1024;
        using var memoryMeter = new Meter("PerfKit.Memory");
        memoryMeter.CreateObservableGauge("perfkit.memory.budget", () => (long)(512 * MB));
        using var monitor = new TestMonitor(
            o => o.Meters.Add("PerfKit.Memory"),
            new AlertRuleOptions { Name = "leak", Kind = AlertRuleKind.Trend, Metric = "heap", Threshold = 10 * MB });
        var heap = 100 * MB;
        monitor.Meter.CreateObservableGauge("heap", () => heap);
        for (var i = 0; i < 10; i++)
        {
            heap += 10 * MB; // +3,600 MB/h at one tick per 10 s; it fires at the fifth sample, 150 MB: (512 - 150) / 3600 h ≈ 6 min
            monitor.Tick();
        }

        var description = monitor.Sink.Received.Should().ContainSingle().Subject.Annotations["description"];
        description.Should().Be("leak suspected, +3600 MB/h, limit 512 MB reached in about 6 min.");
    }

    [Fact]
    public void EveryPublishedInstrument_IsListedInTheDiagnostics()
    {
        var listed = typeof(PerfKitMonitoringDiagnostics.Instruments).GetFields().Select(f => (string)f.GetRawConstantValue()!).ToHashSet();
        var published = new HashSet<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == PerfKitMonitoringDiagnostics.MeterName)
                {
                    lock (published)
                    {
                        published.Add(instrument.Name);
                    }
                }
            },
        };
        using var monitor = new TestMonitor();
        listener.Start();

        published.Should().BeSubsetOf(listed);
        published.Should().Contain(PerfKitMonitoringDiagnostics.Instruments.Series);
        listed.Should().OnlyContain(n => n.StartsWith("perfkit.monitoring.", StringComparison.Ordinal));
    }

    [Fact]
    public void Dispose_IsIdempotent_AndMembersThrowAfterIt()
    {
        var monitor = new TestMonitor();
        monitor.Dispose();
        monitor.Monitor.Dispose();

        var act = () => monitor.Monitor.GetSnapshot();
        act.Should().Throw<ObjectDisposedException>();
        monitor.Tick();
    }
}
