using Microsoft.Extensions.Diagnostics.HealthChecks;
using PerfKit.Monitoring.Alerting;
using PerfKit.Monitoring.Health;
using PerfKit.Monitoring.Notifications;

namespace PerfKit.Monitoring.Tests;

public sealed class AlertLifecycleTests
{
    private static AlertRuleOptions Rule(Action<AlertRuleOptions>? configure = null)
    {
        var rule = new AlertRuleOptions
        {
            Name = "high-value",
            Metric = "value",
            Aggregation = AlertAggregation.Last,
            Window = TimeSpan.FromSeconds(10),
            Threshold = 100,
        };
        configure?.Invoke(rule);
        return rule;
    }

    /// <summary>Feeds one value per tick into a gauge and ticks.</summary>
    private static void Feed(TestMonitor monitor, params double[] values)
    {
        var gauge = monitor.Meter.CreateGauge<double>("value");
        foreach (var value in values)
        {
            gauge.Record(value);
            monitor.Tick();
        }
    }

    private static AlertState StateOf(TestMonitor monitor) =>
        monitor.Monitor.GetSnapshot().ActiveAlerts.SingleOrDefault()?.State ?? AlertState.Inactive;

    [Fact]
    public void Breach_GoesPendingForTheForDuration_ThenFires()
    {
        using var monitor = new TestMonitor(null, Rule(r => r.For = TimeSpan.FromSeconds(20)));
        var gauge = monitor.Meter.CreateGauge<double>("value");

        gauge.Record(150);
        monitor.Tick();
        StateOf(monitor).Should().Be(AlertState.Pending);
        gauge.Record(150);
        monitor.Tick();
        StateOf(monitor).Should().Be(AlertState.Pending);
        monitor.Sink.Received.Should().BeEmpty();
        gauge.Record(150);
        monitor.Tick();

        StateOf(monitor).Should().Be(AlertState.Firing);
        var firing = monitor.Sink.Received.Should().ContainSingle().Subject;
        firing.Status.Should().Be(AlertStatus.Firing);
        firing.StartsAt.Should().Be(monitor.Time.GetUtcNow());
        firing.Value.Should().Be(150);
        firing.Labels.Should().Contain("alertname", "high-value").And.Contain("severity", "warning");
        firing.Fingerprint.Should().Be(AlertNotification.ComputeFingerprint(firing.Labels));
    }

    [Fact]
    public void ABreachThatEndsWhilePending_NeverFires()
    {
        using var monitor = new TestMonitor(null, Rule(r => r.For = TimeSpan.FromSeconds(30)));

        Feed(monitor, 150, 150, 50, 150, 50);

        monitor.Sink.Received.Should().BeEmpty();
        StateOf(monitor).Should().Be(AlertState.Inactive);
    }

    [Fact]
    public void OneEpisode_PublishesExactlyOneFiringAndOneResolved()
    {
        using var monitor = new TestMonitor(null, Rule());

        Feed(monitor, 50, 150, 160, 170, 150, 50, 40, 30);

        monitor.Sink.Statuses.Should().Equal(AlertStatus.Firing, AlertStatus.Resolved);
        var (firing, resolved) = (monitor.Sink.Received[0], monitor.Sink.Received[1]);
        resolved.Fingerprint.Should().Be(firing.Fingerprint);
        resolved.StartsAt.Should().Be(firing.StartsAt);
        resolved.EndsAt.Should().Be(firing.StartsAt + TimeSpan.FromSeconds(40));
        monitor.Monitor.GetSnapshot().History.Should().HaveCount(2);
    }

    [Fact]
    public void ClearThreshold_KeepsTheAlertFiringUntilTheValueGetsBackPastIt()
    {
        using var monitor = new TestMonitor(null, Rule(r => r.ClearThreshold = 80));

        Feed(monitor, 150, 95, 90, 85);
        monitor.Sink.Statuses.Should().Equal(AlertStatus.Firing);
        Feed(monitor, 79);

        monitor.Sink.Statuses.Should().Equal(AlertStatus.Firing, AlertStatus.Resolved);
    }

    [Fact]
    public void BreachesInARow_AreNeededBeforeFiring()
    {
        using var monitor = new TestMonitor(null, Rule(r => r.BreachesInARow = 3));

        Feed(monitor, 150, 150, 50, 150, 150);
        monitor.Sink.Received.Should().BeEmpty();
        Feed(monitor, 150);

        monitor.Sink.Statuses.Should().Equal(AlertStatus.Firing);
    }

    [Fact]
    public void MinSamples_TooFewMeasurementsCannotFire_AndResolveAFiringAlert()
    {
        using var monitor = new TestMonitor(null, Rule(r =>
        {
            r.Metric = "latency";
            r.Aggregation = AlertAggregation.Max;
            r.MinSamples = 5;
        }));
        var histogram = monitor.Meter.CreateHistogram<double>("latency");

        histogram.Record(500);
        monitor.Tick();
        monitor.Sink.Received.Should().BeEmpty();
        for (var i = 0; i < 5; i++)
        {
            histogram.Record(500);
        }

        monitor.Tick();
        monitor.Sink.Statuses.Should().Equal(AlertStatus.Firing);

        // Too few samples is no data: not a breach, so the firing alert resolves.
        histogram.Record(500);
        monitor.Tick();
        monitor.Sink.Statuses.Should().Equal(AlertStatus.Firing, AlertStatus.Resolved);
    }

    [Fact]
    public void ACounterSumRuleWhoseMetricGoesSilent_Resolves()
    {
        // The README's webhook quick-start rule: Sum of a counter > 0 over 1 min, 1 s interval.
        using var monitor = new TestMonitor(o => o.Interval = TimeSpan.FromSeconds(1), new AlertRuleOptions
        {
            Name = "checkout-errors",
            Metric = "shop.checkout.errors",
            Aggregation = AlertAggregation.Sum,
            Threshold = 0,
        });
        var counter = monitor.Meter.CreateCounter<long>("shop.checkout.errors");

        counter.Add(1);
        monitor.Tick();
        monitor.Sink.Statuses.Should().Equal(AlertStatus.Firing);

        monitor.Tick(90);

        monitor.Sink.Statuses.Should().Equal(AlertStatus.Firing, AlertStatus.Resolved);
        monitor.Sink.Received[1].Value.Should().Be(0);
        StateOf(monitor).Should().Be(AlertState.Inactive);
    }

    [Fact]
    public async Task APercentileRuleWhoseMetricGoesSilent_ResolvesAfterKeepFiringFor_AndTheHealthCheckRecovers()
    {
        using var monitor = new TestMonitor(o => o.Interval = TimeSpan.FromSeconds(1), Rule(r =>
        {
            r.Metric = "latency";
            r.Aggregation = AlertAggregation.P99;
            r.Threshold = 0.3;
            r.Window = TimeSpan.FromSeconds(5);
            r.KeepFiringFor = TimeSpan.FromSeconds(10);
            r.Severity = AlertSeverity.Critical;
        }));
        var histogram = monitor.Meter.CreateHistogram<double>("latency");
        for (var i = 0; i < 3; i++)
        {
            histogram.Record(0.4);
            monitor.Tick();
        }

        monitor.Sink.Statuses.Should().Equal(AlertStatus.Firing);
        var check = new CriticalAlertsHealthCheck(monitor.Monitor);
        (await check.CheckHealthAsync(null!, TestContext.Current.CancellationToken)).Status.Should().Be(HealthStatus.Unhealthy);

        // The window empties 5 s after the last value; keep-firing-for holds the alert 10 s more.
        monitor.Tick(10);
        monitor.Sink.Statuses.Should().Equal(AlertStatus.Firing);
        monitor.Tick(60);

        monitor.Sink.Statuses.Should().Equal(AlertStatus.Firing, AlertStatus.Resolved);
        monitor.Sink.Received[1].Value.Should().BeNull();
        StateOf(monitor).Should().Be(AlertState.Inactive);
        (await check.CheckHealthAsync(null!, TestContext.Current.CancellationToken)).Status.Should().Be(HealthStatus.Healthy);
    }

    [Fact]
    public void NoData_CannotStartAnAlert()
    {
        using var monitor = new TestMonitor(null, Rule(r => r.Comparison = AlertComparison.LessThan));
        monitor.Meter.CreateGauge<double>("value");

        monitor.Tick(20);

        monitor.Sink.Received.Should().BeEmpty();
        StateOf(monitor).Should().Be(AlertState.Inactive);
    }

    [Fact]
    public void KeepFiringFor_HoldsAFiringAlertAfterItClears()
    {
        using var monitor = new TestMonitor(null, Rule(r => r.KeepFiringFor = TimeSpan.FromSeconds(30)));

        Feed(monitor, 150, 50, 50);
        monitor.Sink.Statuses.Should().Equal(AlertStatus.Firing);
        Feed(monitor, 150, 50, 50);
        monitor.Sink.Statuses.Should().Equal(AlertStatus.Firing);
        Feed(monitor, 50);

        monitor.Sink.Statuses.Should().Equal(AlertStatus.Firing, AlertStatus.Resolved);
    }

    [Fact]
    public void Flapping_HoldsBackNotifications_ThenPublishesTheStateOnce()
    {
        using var monitor = new TestMonitor(null, Rule(r =>
        {
            r.FlapThreshold = 4;
            r.FlapWindow = TimeSpan.FromMinutes(2);
        }));

        // Each pair of ticks is one episode: two transitions.
        Feed(monitor, 150, 50, 150, 50);
        monitor.Sink.Statuses.Should().Equal(AlertStatus.Firing, AlertStatus.Resolved, AlertStatus.Firing, AlertStatus.Resolved);
        Feed(monitor, 150, 50, 150, 50, 150, 50, 150);

        // The fifth transition made it flap: nothing more was published.
        monitor.Sink.Received.Should().HaveCount(4);
        var alert = monitor.Monitor.GetSnapshot().ActiveAlerts.Should().ContainSingle().Subject;
        alert.Flapping.Should().BeTrue();
        alert.State.Should().Be(AlertState.Firing);
        monitor.Logs.Collector.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 4007);

        // It keeps firing; when the flapping ends, the state is published once.
        Feed(monitor, Enumerable.Repeat(150.0, 12).ToArray());
        monitor.Sink.Statuses.Should().Equal(AlertStatus.Firing, AlertStatus.Resolved, AlertStatus.Firing, AlertStatus.Resolved, AlertStatus.Firing);
        Feed(monitor, 50);
        monitor.Sink.Statuses.Should().Equal(AlertStatus.Firing, AlertStatus.Resolved, AlertStatus.Firing, AlertStatus.Resolved, AlertStatus.Firing, AlertStatus.Resolved);
        monitor.Logs.Collector.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 4008);
    }

    [Fact]
    public void Flapping_ThatEndsInactive_AfterAPublishedFiring_PublishesOneResolved()
    {
        using var monitor = new TestMonitor(null, Rule(r =>
        {
            r.FlapThreshold = 2;
            r.FlapWindow = TimeSpan.FromMinutes(1);
        }));

        Feed(monitor, 150, 50, 150);
        monitor.Sink.Statuses.Should().Equal(AlertStatus.Firing, AlertStatus.Resolved);
        Feed(monitor, 50, 150, 50);
        monitor.Sink.Statuses.Should().Equal(AlertStatus.Firing, AlertStatus.Resolved);
        Feed(monitor, Enumerable.Repeat(50.0, 8).ToArray());

        var statuses = monitor.Sink.Statuses.ToList();
        statuses.Count(s => s == AlertStatus.Firing).Should().Be(statuses.Count(s => s == AlertStatus.Resolved));
        monitor.Monitor.GetSnapshot().ActiveAlerts.Should().BeEmpty();
    }

    [Fact]
    public void EachSeries_IsItsOwnAlert_LabelledWithItsTags()
    {
        using var monitor = new TestMonitor(o => o.SeriesTags["latency"] = ["route"], Rule(r =>
        {
            r.Metric = "latency";
            r.Aggregation = AlertAggregation.P99;
            r.Threshold = 0.5;
        }));
        var histogram = monitor.Meter.CreateHistogram<double>("latency");
        histogram.Record(1.0, new KeyValuePair<string, object?>("route", "/slow"));
        histogram.Record(0.01, new KeyValuePair<string, object?>("route", "/fast"));
        monitor.Tick();

        var firing = monitor.Sink.Received.Should().ContainSingle().Subject;
        firing.Labels["route"].Should().Be("/slow");
    }

    [Fact]
    public void GroupByNothing_MergesEverySeriesIntoOneAlert_AndTagsFilterSeries()
    {
        using var monitor = new TestMonitor(null, Rule(r =>
        {
            r.Metric = "cpu";
            r.Aggregation = AlertAggregation.Sum;
            r.GroupBy = [];
            r.Tags["host"] = "a";
        }));
        var counter = monitor.Meter.CreateCounter<double>("cpu");
        counter.Add(60, new("host", "a"), new("mode", "user"));
        counter.Add(60, new("host", "a"), new("mode", "system"));
        counter.Add(500, new("host", "b"), new("mode", "user"));
        monitor.Tick();

        var firing = monitor.Sink.Received.Should().ContainSingle().Subject;
        firing.Value.Should().Be(120);
        firing.Labels.Keys.Should().BeEquivalentTo("alertname", "severity");
    }

    [Fact]
    public void ASinkThatThrows_DoesNotStopTheOthersOrTheRules()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var meter = new System.Diagnostics.Metrics.Meter("Test." + Guid.NewGuid().ToString("N"));
        var good = new RecordingSink();
        var options = new MonitoringOptions { Meters = [meter.Name] };
        options.Rules.Add(Rule(r => r.Meter = meter.Name));
        using var monitor = new MetricsMonitor([new ThrowingSink(), good], options, new PerfKitMonitoringDependencies { TimeProvider = time });
        monitor.Start();
        var gauge = meter.CreateGauge<double>("value");

        gauge.Record(150);
        time.Advance(options.Interval);
        gauge.Record(50);
        time.Advance(options.Interval);

        good.Statuses.Should().Equal(AlertStatus.Firing, AlertStatus.Resolved);
    }

    private sealed class ThrowingSink : IAlertSink
    {
        public void Publish(AlertNotification notification) => throw new InvalidOperationException("down");
    }
}

public sealed class AlertSeriesGoneTests
{
    [Fact]
    public void AFiringAlertWhoseMeterIsDisposed_Resolves()
    {
        var meter = new System.Diagnostics.Metrics.Meter("Gone." + Guid.NewGuid().ToString("N"));
        var options = new MonitoringOptions { Meters = [meter.Name] };
        options.Rules.Add(new AlertRuleOptions { Name = "v", Meter = meter.Name, Metric = "v", Aggregation = AlertAggregation.Last, Threshold = 10, Window = TimeSpan.FromSeconds(10) });
        var sink = new RecordingSink();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var own = new MetricsMonitor([sink], options, new PerfKitMonitoringDependencies { TimeProvider = time });
        own.Start();
        meter.CreateGauge<double>("v").Record(50);
        time.Advance(TimeSpan.FromSeconds(10));
        sink.Statuses.Should().Equal(AlertStatus.Firing);

        meter.Dispose();
        time.Advance(TimeSpan.FromSeconds(10));

        sink.Statuses.Should().Equal(AlertStatus.Firing, AlertStatus.Resolved);
        own.GetSnapshot().ActiveAlerts.Should().BeEmpty();
    }
}
