using Microsoft.Extensions.Options;
using PerfKit.Monitoring.Alerting;
using PerfKit.Monitoring.Internal;

namespace PerfKit.Monitoring.Tests;

public sealed class MonitoringOptionsValidatorTests
{
    private static MonitoringOptions WithRule(Action<AlertRuleOptions> configure)
    {
        var rule = new AlertRuleOptions { Name = "high-latency", Metric = "http.server.request.duration", Aggregation = AlertAggregation.P99, Threshold = 0.5 };
        configure(rule);
        return new MonitoringOptions { Rules = [rule] };
    }

    private static IEnumerable<string> Failures(MonitoringOptions options) =>
        new MonitoringOptionsValidator().Validate(null, options).Failures ?? [];

    [Fact]
    public void Defaults_AndAGoodRuleOfEachKind_Pass()
    {
        var options = new MonitoringOptions
        {
            Rules =
            [
                new() { Name = "a", Metric = "http.server.request.duration", Aggregation = AlertAggregation.P99, Threshold = 0.5, ClearThreshold = 0.4 },
                new() { Name = "b", Kind = AlertRuleKind.Anomaly, Metric = "dotnet.thread_pool.queue.length", Threshold = 3 },
                new() { Name = "c", Kind = AlertRuleKind.Trend, Threshold = 10_000_000 },
                new() { Name = "d", Kind = AlertRuleKind.BurnRate, Metric = "http.server.request.duration", LatencyThreshold = 0.3, Objective = 0.999 },
                new() { Name = "e", Metric = "perfkit.cache.requests", Aggregation = AlertAggregation.Rate, Threshold = 1 },
            ],
        };

        Failures(options).Should().BeEmpty();
    }

    public static TheoryData<string, string> BadRules() => new()
    {
        { "window0", "MonitoringOptions.Rules[high-latency].Window: must be greater than 0; it is 00:00:00." },
        { "window-not-whole", "MonitoringOptions.Rules[high-latency].Window: must be a whole number of intervals (MonitoringOptions.Interval, 00:00:10); it is 00:00:15." },
        { "window-too-long", "MonitoringOptions.Rules[high-latency].Window: must be at most MonitoringOptions.MaxWindow (00:05:00); it is 00:10:00." },
        { "nan", "MonitoringOptions.Rules[high-latency].Threshold: must be a finite number; it is NaN." },
        { "clear-wrong-side", "MonitoringOptions.Rules[high-latency].ClearThreshold: must be at most Threshold (0.5) for GreaterThan: an alert clears below where it fires; it is 0.6." },
        { "clear-wrong-side-below", "MonitoringOptions.Rules[high-latency].ClearThreshold: must be at least Threshold (0.5) for LessThan: an alert clears above where it fires; it is 0.4." },
        { "unknown-metric", "MonitoringOptions.Rules[high-latency].Metric: 'my.metric' is not an instrument of the runtime, ASP.NET Core, HttpClient or PerfKit; set Meter to the meter that publishes it (and add that meter to MonitoringOptions.Meters)." },
        { "unselected-meter", "MonitoringOptions.Rules[high-latency].Metric: 'my.metric' is published by the meter 'MyApp', which MonitoringOptions.Meters does not select; add it to MonitoringOptions.Meters." },
        { "empty-metric", "MonitoringOptions.Rules[high-latency].Metric: must not be empty." },
        { "aggregation", "MonitoringOptions.Rules[high-latency].Aggregation: must be one of Average, Min, Max, Sum, Rate, Count, Last, P50, P90, P95, P99, P999; it is 42." },
        { "comparison", "MonitoringOptions.Rules[high-latency].Comparison: must be one of GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual; it is 9." },
        { "kind", "MonitoringOptions.Rules[high-latency].Kind: must be one of Threshold, Anomaly, Trend, BurnRate; it is 7." },
        { "severity", "MonitoringOptions.Rules[high-latency].Severity: must be one of Info, Warning, Critical; it is 5." },
        { "for", "MonitoringOptions.Rules[high-latency].For: must not be negative; it is -00:00:01." },
        { "keep", "MonitoringOptions.Rules[high-latency].KeepFiringFor: must not be negative; it is -00:00:01." },
        { "row", "MonitoringOptions.Rules[high-latency].BreachesInARow: must be between 1 and 10000; it is 0." },
        { "samples", "MonitoringOptions.Rules[high-latency].MinSamples: must be at least 0; it is -1." },
        { "flap", "MonitoringOptions.Rules[high-latency].FlapWindow: must be greater than 0 when FlapThreshold is set; it is 00:00:00." },
        { "smoothing", "MonitoringOptions.Rules[high-latency].Smoothing: must be greater than 0 and at most 1; it is 1.5." },
        { "trend-samples", "MonitoringOptions.Rules[high-latency].TrendSamples: must be between 5 and 200; it is 2." },
        { "limit", "MonitoringOptions.Rules[high-latency].Limit: must be a number greater than 0 when set; it is -1." },
        { "objective", "MonitoringOptions.Rules[high-latency].Objective: must be between 0 and 1, both excluded (0.999 for 99.9%); it is 1." },
        { "latency", "MonitoringOptions.Rules[high-latency].LatencyThreshold: must be a number greater than 0; it is 0." },
        { "burn-windows", "MonitoringOptions.Rules[high-latency].BurnRateWindows[0]: must have 0 < Short < Long; they are Short 01:00:00, Long 00:05:00." },
        { "big", "MonitoringOptions.Rules[high-latency].Threshold: must be a finite number; it is Infinity." },
    };

    [Theory]
    [MemberData(nameof(BadRules))]
    public void EveryRuleField_Rejects_NamingTheRuleAndTheField(string bad, string expected)
    {
        var options = WithRule(r =>
        {
            switch (bad)
            {
                case "window0": r.Window = TimeSpan.Zero; break;
                case "window-not-whole": r.Window = TimeSpan.FromSeconds(15); break;
                case "window-too-long": r.Window = TimeSpan.FromMinutes(10); break;
                case "nan": r.Threshold = double.NaN; break;
                case "big": r.Threshold = double.PositiveInfinity; break;
                case "clear-wrong-side": r.ClearThreshold = 0.6; break;
                case "clear-wrong-side-below": r.Comparison = AlertComparison.LessThan; r.ClearThreshold = 0.4; break;
                case "unknown-metric": r.Metric = "my.metric"; break;
                case "unselected-meter": r.Metric = "my.metric"; r.Meter = "MyApp"; break;
                case "empty-metric": r.Metric = " "; break;
                case "aggregation": r.Aggregation = (AlertAggregation)42; break;
                case "comparison": r.Comparison = (AlertComparison)9; break;
                case "kind": r.Kind = (AlertRuleKind)7; break;
                case "severity": r.Severity = (AlertSeverity)5; break;
                case "for": r.For = TimeSpan.FromSeconds(-1); break;
                case "keep": r.KeepFiringFor = TimeSpan.FromSeconds(-1); break;
                case "row": r.BreachesInARow = 0; break;
                case "samples": r.MinSamples = -1; break;
                case "flap": r.FlapWindow = TimeSpan.Zero; break;
                case "smoothing": r.Kind = AlertRuleKind.Anomaly; r.Smoothing = 1.5; break;
                case "trend-samples": r.Kind = AlertRuleKind.Trend; r.TrendSamples = 2; break;
                case "limit": r.Kind = AlertRuleKind.Trend; r.Limit = -1; break;
                case "objective": r.Kind = AlertRuleKind.BurnRate; r.Objective = 1; r.LatencyThreshold = 0.3; break;
                case "latency": r.Kind = AlertRuleKind.BurnRate; r.Objective = 0.99; break;
                case "burn-windows":
                    r.Kind = AlertRuleKind.BurnRate;
                    r.Objective = 0.99;
                    r.LatencyThreshold = 0.3;
                    r.BurnRateWindows = [new BurnRateWindow { Long = TimeSpan.FromMinutes(5), Short = TimeSpan.FromHours(1), Factor = 2 }];
                    break;
            }
        });

        Failures(options).Should().Contain(f => f.EndsWith(expected, StringComparison.Ordinal), "the failures were: " + string.Join(" | ", Failures(options)));
    }

    [Fact]
    public void TopLevelOptions_AreChecked_AndEveryFailureIsReported()
    {
        var options = new MonitoringOptions
        {
            Meters = [],
            Interval = TimeSpan.FromMilliseconds(1),
            SnapshotWindow = TimeSpan.Zero,
            MaxSeriesPerInstrument = 0,
            AlertHistoryCapacity = 0,
            Rules = [new AlertRuleOptions { Name = "" }, new AlertRuleOptions { Name = "x", Metric = "dotnet.exceptions" }, new AlertRuleOptions { Name = "x", Metric = "dotnet.exceptions" }],
        };
        options.HealthChecks.MemoryDegradedFraction = 2;
        options.HealthChecks.LatencyPercentile = AlertAggregation.Average;

        var failures = Failures(options).ToList();

        failures.Should().Contain(f => f.Contains("MonitoringOptions.Meters: must name at least one meter."));
        failures.Should().Contain(f => f.Contains("MonitoringOptions.Interval: must be at least 00:00:00.1000000 and at most 01:00:00; it is 00:00:00.0010000."));
        failures.Should().Contain(f => f.Contains("MonitoringOptions.SnapshotWindow"));
        failures.Should().Contain(f => f.Contains("MonitoringOptions.MaxSeriesPerInstrument: must be between 1 and 10000; it is 0."));
        failures.Should().Contain(f => f.Contains("MonitoringOptions.AlertHistoryCapacity"));
        failures.Should().Contain(f => f.Contains("MonitoringOptions.Rules[0].Name: must not be empty."));
        failures.Should().Contain(f => f.Contains("MonitoringOptions.Rules[x].Name: must be unique"));
        failures.Should().Contain(f => f.Contains("MonitoringOptions.HealthChecks.MemoryDegradedFraction"));
        failures.Should().Contain(f => f.Contains("MonitoringOptions.HealthChecks.LatencyPercentile: must be one of P50, P90, P95, P99, P999; it is Average."));
    }

    [Fact]
    public void NoMessage_UsesENotation()
    {
        var options = WithRule(r =>
        {
            r.Threshold = 1e20;
            r.ClearThreshold = 1e21;
        });
        options.Rules.Add(new AlertRuleOptions { Name = "t", Kind = AlertRuleKind.Trend, Limit = -1e-20 });

        var failures = Failures(options).ToList();

        failures.Should().HaveCount(2);
        failures.Should().OnlyContain(f => !f.Contains("E+") && !f.Contains("E-"));
        failures.Should().Contain(f => f.Contains("it is 1000000000000000000000."));
    }

    [Fact]
    public void TheConstructor_AppliesTheSameRules()
    {
        var act = () => new MetricsMonitor(WithRule(r => r.Window = TimeSpan.Zero));

        act.Should().Throw<OptionsValidationException>().WithMessage("*MonitoringOptions.Rules[high-latency].Window: must be greater than 0; it is 00:00:00.*");
    }
}
