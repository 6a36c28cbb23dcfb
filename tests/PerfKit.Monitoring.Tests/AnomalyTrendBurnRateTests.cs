using System.Diagnostics.Metrics;
using PerfKit.Monitoring.Alerting;
using PerfKit.Monitoring.Notifications;

namespace PerfKit.Monitoring.Tests;

public sealed class AnomalyTrendBurnRateTests
{
    private const double MB = 1024 * 1024;

    [Fact]
    public void Anomaly_NormalNoiseIsQuiet_ASpikeFires_WithTheExpectedBand()
    {
        using var monitor = new TestMonitor(null, new AlertRuleOptions
        {
            Name = "odd-latency",
            Kind = AlertRuleKind.Anomaly,
            Metric = "value",
            Aggregation = AlertAggregation.Last,
            Window = TimeSpan.FromSeconds(10),
            Threshold = 4,
        });
        var gauge = monitor.Meter.CreateGauge<double>("value");
        var random = new Random(7);
        for (var i = 0; i < 60; i++)
        {
            gauge.Record(100 + ((random.NextDouble() - 0.5) * 10));
            monitor.Tick();
        }

        monitor.Sink.Received.Should().BeEmpty();
        gauge.Record(200);
        monitor.Tick();

        var firing = monitor.Sink.Received.Should().ContainSingle().Subject;
        firing.Value.Should().Be(200);
        var band = firing.Annotations["expected_band"].Split(" to ").Select(t => double.Parse(t, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        band[0].Should().BeInRange(80, 100);
        band[1].Should().BeInRange(100, 120);
        firing.Annotations["description"].Should().Contain("expected between");
    }

    [Fact]
    public void Trend_AOneKilobytePerRequestLeak_IsFlagged_WithRateAndTimeToLimit()
    {
        using var monitor = TrendMonitor(out var heap);
        var random = new Random(1);
        long requests = 0;
        for (var tick = 0; tick < 90; tick++)
        {
            requests += 500; // 50 requests a second, 10 s a tick
            if (tick % 3 == 0)
            {
                // A GC every 30 s: the heap after it is the live set, 50 MB plus 1 KB per request so far, give or take 1 MB.
                heap.Value = (50 * MB) + (requests * 1024) + ((random.NextDouble() - 0.5) * 2 * MB);
            }

            monitor.Tick();
        }

        var firing = monitor.Sink.Received.Should().ContainSingle().Subject;
        firing.Status.Should().Be(AlertStatus.Firing);
        firing.Annotations["description"].Should().StartWith("leak suspected, +").And.Contain("MB/h, limit 1024 MB reached in about");

        // With 30 samples the robust slope is within 10% of the real leak: 50 requests/s × 1 KB = 175.8 MB/h.
        var perHour = 50 * 3600 * 1024.0;
        var alert = monitor.Monitor.GetSnapshot().ActiveAlerts.Should().ContainSingle().Subject;
        alert.Value!.Value.Should().BeApproximately(perHour, perHour * 0.1);
    }

    [Fact]
    public void Trend_AFlatGcSawtooth_IsNotFlagged()
    {
        using var monitor = TrendMonitor(out var heap);
        var random = new Random(2);
        for (var tick = 0; tick < 360; tick++)
        {
            if (tick % 3 == 0)
            {
                // Between GCs the heap climbs 30 MB and falls back: after each GC it is 50 MB give or take 2 MB.
                heap.Value = (50 * MB) + ((random.NextDouble() - 0.5) * 4 * MB);
            }

            monitor.Tick();
        }

        monitor.Sink.Received.Should().BeEmpty();
        monitor.Monitor.GetSnapshot().ActiveAlerts.Should().BeEmpty();
    }

    private static TestMonitor TrendMonitor(out StrongBox heap)
    {
        var box = new StrongBox { Value = 50 * MB };
        heap = box;
        var monitor = new TestMonitor(null, new AlertRuleOptions
        {
            Name = "heap-leak",
            Kind = AlertRuleKind.Trend,
            Metric = "heap.after_gc",
            Threshold = 10 * MB,
            Limit = 1024 * MB,
            FlapThreshold = 0,
        });
        monitor.Meter.CreateObservableGauge("heap.after_gc", () => box.Value);
        return monitor;
    }

    [Fact]
    public void BurnRate_FiresWhenBothWindowsBurnFast_AndResolvesWhenTheShortOneCalms()
    {
        using var monitor = new TestMonitor(null, new AlertRuleOptions
        {
            Name = "latency-slo",
            Kind = AlertRuleKind.BurnRate,
            Metric = "latency",
            LatencyThreshold = 0.3,
            Objective = 0.99,
            BurnRateWindows = [new BurnRateWindow { Long = TimeSpan.FromMinutes(5), Short = TimeSpan.FromMinutes(1), Factor = 10 }],
        });
        var histogram = monitor.Meter.CreateHistogram<double>("latency");
        void Requests(int good, int bad)
        {
            for (var i = 0; i < good; i++)
            {
                histogram.Record(0.1);
            }

            for (var i = 0; i < bad; i++)
            {
                histogram.Record(0.9);
            }

            monitor.Tick();
        }

        for (var i = 0; i < 30; i++)
        {
            Requests(99, 1); // 1% bad: burn rate 1
        }

        monitor.Sink.Received.Should().BeEmpty();
        for (var i = 0; i < 5; i++)
        {
            Requests(50, 50);
        }

        monitor.Sink.Received.Should().BeEmpty("the long window is not yet above 10% bad");
        for (var i = 0; i < 3; i++)
        {
            Requests(50, 50);
        }

        monitor.Sink.Statuses.Should().Equal(AlertStatus.Firing);
        monitor.Sink.Received[0].Annotations["description"].Should().Contain("over 00:05:00").And.Contain("(limit 10)");
        for (var i = 0; i < 7; i++)
        {
            Requests(100, 0);
        }

        monitor.Sink.Statuses.Should().Equal(AlertStatus.Firing, AlertStatus.Resolved);
    }

    private sealed class StrongBox
    {
        public double Value { get; set; }
    }
}

public sealed class TrendGroupingTests
{
    [Fact]
    public void Trend_SumsTheSeriesOfAllGenerations_IntoOneAlert()
    {
        const double MB = 1024 * 1024;
        using var monitor = new TestMonitor(null, new AlertRuleOptions { Name = "leak", Kind = AlertRuleKind.Trend, Metric = "heap", Threshold = 10 * MB, Limit = 4096 * MB });
        var step = 0;
        monitor.Meter.CreateObservableUpDownCounter("heap", () => new[]
        {
            new Measurement<double>(10 * MB, new KeyValuePair<string, object?>("gc.heap.generation", "gen0")),
            new Measurement<double>((100 * MB) + (step * MB), new KeyValuePair<string, object?>("gc.heap.generation", "gen2")),
        });
        for (; step < 20; step++)
        {
            monitor.Tick();
        }

        var firing = monitor.Sink.Received.Should().ContainSingle().Subject;
        firing.Labels.Keys.Should().BeEquivalentTo("alertname", "severity");
        firing.Value.Should().BeApproximately(360 * MB, 0.001);
        firing.Annotations["description"].Should().Contain("+360 MB/h");
    }
}
