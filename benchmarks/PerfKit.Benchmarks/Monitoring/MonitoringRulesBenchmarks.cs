using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using PerfKit.Monitoring;
using PerfKit.Monitoring.Alerting;

namespace PerfKit.Benchmarks.Monitoring;

/// <summary>
/// One evaluation tick with 100 rules: the observable instruments read, the interval of every series closed (40
/// histogram series of 4 KiB per interval, 20 counter and 10 gauge series), then 100 rules evaluated — 60 percentile,
/// average and rate rules on the histograms over windows of 1 to 5 minutes, 20 on the counters, 10 on the gauges, 5
/// anomaly and 5 burn-rate rules — and the health checks. Before each tick, 10 measurements go into each series, so
/// the windows hold data as in production. The design target is under 1 ms per tick.
/// </summary>
[MemoryDiagnoser]
public class MonitoringRulesBenchmarks
{
    private static readonly string[] Routes = ["/orders/{id}", "/orders", "/users/{id}", "/health", "/search"];
    private readonly Meter _meter = new("Bench.Monitoring.Rules");
    private readonly List<(Histogram<double> Histogram, KeyValuePair<string, object?> Route)> _histograms = [];
    private readonly List<Counter<long>> _counters = [];
    private readonly List<Gauge<double>> _gauges = [];
    private MetricsMonitor? _monitor;
    private int _tick;

    [GlobalSetup]
    public void Setup()
    {
        var options = new MonitoringOptions { Meters = [_meter.Name] };
        var aggregations = new[] { AlertAggregation.P99, AlertAggregation.P95, AlertAggregation.P50, AlertAggregation.Average, AlertAggregation.Rate, AlertAggregation.P999 };
        for (var h = 0; h < 8; h++)
        {
            var histogram = _meter.CreateHistogram<double>($"bench.duration.{h}", "s");
            foreach (var route in Routes)
            {
                _histograms.Add((histogram, new KeyValuePair<string, object?>("http.route", route)));
            }

            for (var r = 0; r < 7; r++)
            {
                options.Rules.Add(new AlertRuleOptions
                {
                    Name = $"h{h}-{r}",
                    Meter = _meter.Name,
                    Metric = histogram.Name,
                    Aggregation = aggregations[r % aggregations.Length],
                    Window = TimeSpan.FromMinutes(1 + (r % 5)),
                    Threshold = 0.5,
                });
            }
        }

        for (var c = 0; c < 20; c++)
        {
            var counter = _meter.CreateCounter<long>($"bench.count.{c}");
            _counters.Add(counter);
            options.Rules.Add(new AlertRuleOptions { Name = $"c{c}", Meter = _meter.Name, Metric = counter.Name, Aggregation = AlertAggregation.Rate, Window = TimeSpan.FromMinutes(1), Threshold = 1000 });
        }

        for (var g = 0; g < 10; g++)
        {
            var gauge = _meter.CreateGauge<double>($"bench.gauge.{g}");
            _gauges.Add(gauge);
            options.Rules.Add(new AlertRuleOptions { Name = $"g{g}", Meter = _meter.Name, Metric = gauge.Name, Aggregation = AlertAggregation.Max, Window = TimeSpan.FromMinutes(2), Threshold = 1000 });
        }

        for (var a = 0; a < 4; a++)
        {
            options.Rules.Add(new AlertRuleOptions { Name = $"a{a}", Kind = AlertRuleKind.Anomaly, Meter = _meter.Name, Metric = $"bench.duration.{a}", Aggregation = AlertAggregation.P99, Window = TimeSpan.FromMinutes(1), Threshold = 3 });
            options.Rules.Add(new AlertRuleOptions { Name = $"b{a}", Kind = AlertRuleKind.BurnRate, Meter = _meter.Name, Metric = $"bench.duration.{a}", LatencyThreshold = 0.3, Objective = 0.999 });
        }

        while (options.Rules.Count < 100)
        {
            options.Rules.Add(new AlertRuleOptions { Name = $"x{options.Rules.Count}", Meter = _meter.Name, Metric = "bench.duration.0", Aggregation = AlertAggregation.P90, Window = TimeSpan.FromMinutes(5), Threshold = 0.5 });
        }

        // Started for its listener, on a clock whose timers never fire: only the measured calls tick.
        _monitor = new MetricsMonitor(options, new PerfKitMonitoringDependencies { TimeProvider = new NoTimers() });
        _monitor.Start();
        for (var i = 0; i < 31; i++)
        {
            Tick();
        }
    }

    [Benchmark]
    public void HundredRulesTick() => Tick();

    private void Tick()
    {
        var random = _tick++;
        foreach (var (histogram, route) in _histograms)
        {
            for (var i = 0; i < 10; i++)
            {
                histogram.Record(0.001 * (1 + ((random + i) % 400)), route);
            }
        }

        foreach (var counter in _counters)
        {
            counter.Add(10);
        }

        foreach (var gauge in _gauges)
        {
            gauge.Record(random % 100);
        }

        _monitor!.Tick();
    }

    private sealed class NoTimers : TimeProvider
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new Never();

        private sealed class Never : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _monitor?.Dispose();
        _meter.Dispose();
    }
}
