using System.Globalization;
using Microsoft.Extensions.Options;
using PerfKit.Monitoring.Alerting;
using PerfKit.Shared;

namespace PerfKit.Monitoring.Internal;

/// <summary>
/// Every rule of <see cref="MonitoringOptions"/> and of each of its <see cref="AlertRuleOptions"/>; reports every
/// failure, each naming the option (<c>MonitoringOptions.Rules[high-latency].Window</c>) and its value.
/// </summary>
/// <remarks>
/// "Unknown metric": instruments appear when the code that creates them first runs, often after the host started, so
/// the validator cannot look for the instrument itself. It checks what can be known at start: the metric is an
/// instrument of the runtime, ASP.NET Core, HttpClient or PerfKit (a fixed list), or the rule names its
/// <see cref="AlertRuleOptions.Meter"/>; and that meter is selected by <see cref="MonitoringOptions.Meters"/>. A rule
/// whose instrument never appears stays inactive and shows no series in the snapshot.
/// </remarks>
internal sealed class MonitoringOptionsValidator : IValidateOptions<MonitoringOptions>
{
    private const string Prefix = nameof(MonitoringOptions);

    public ValidateOptionsResult Validate(string? name, MonitoringOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ValidateOptionsResultBuilder();
        if (options.Meters is null || options.Meters.Count == 0)
        {
            builder.AddError("must name at least one meter.", $"{Prefix}.{nameof(MonitoringOptions.Meters)}");
        }
        else
        {
            for (var i = 0; i < options.Meters.Count; i++)
            {
                OptionsGuard.NotBlank(builder, $"{Prefix}.{nameof(MonitoringOptions.Meters)}[{i}]", options.Meters[i]);
            }
        }

        foreach (var (instrument, tags) in options.SeriesTags ?? new Dictionary<string, IList<string>>())
        {
            if (tags is null || tags.Count == 0 || tags.Any(string.IsNullOrWhiteSpace))
            {
                builder.AddError("must list at least one tag name, none blank.", $"{Prefix}.{nameof(MonitoringOptions.SeriesTags)}[{instrument}]");
            }
        }

        Duration(builder, $"{Prefix}.{nameof(MonitoringOptions.Interval)}", options.Interval, MonitoringOptions.MinimumInterval, TimeSpan.FromHours(1));
        var intervalValid = options.Interval >= MonitoringOptions.MinimumInterval && options.Interval <= TimeSpan.FromHours(1);
        if (intervalValid)
        {
            WholeIntervals(builder, $"{Prefix}.{nameof(MonitoringOptions.MaxWindow)}", options.MaxWindow, options.Interval);
            if (options.MaxWindow.Ticks / options.Interval.Ticks > MonitoringOptions.MaximumSlots)
            {
                builder.AddError(
                    $"must be at most {MonitoringOptions.MaximumSlots} intervals of {Text(options.Interval)}; it is {Text(options.MaxWindow)}.",
                    $"{Prefix}.{nameof(MonitoringOptions.MaxWindow)}");
            }
        }

        if (options.SnapshotWindow <= TimeSpan.Zero || options.SnapshotWindow > options.MaxWindow)
        {
            builder.AddError(
                $"must be greater than 0 and at most MaxWindow ({Text(options.MaxWindow)}); it is {Text(options.SnapshotWindow)}.",
                $"{Prefix}.{nameof(MonitoringOptions.SnapshotWindow)}");
        }

        OptionsGuard.Between(builder, $"{Prefix}.{nameof(MonitoringOptions.MaxSeriesPerInstrument)}", options.MaxSeriesPerInstrument, 1, 10_000);
        OptionsGuard.Between(builder, $"{Prefix}.{nameof(MonitoringOptions.AlertHistoryCapacity)}", options.AlertHistoryCapacity, 1, 100_000);
        ValidateHealth(builder, options.HealthChecks);

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var rules = options.Rules ?? [];
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            if (rule is null)
            {
                builder.AddError("must not be null.", $"{Prefix}.Rules[{i}]");
                continue;
            }

            var member = string.IsNullOrWhiteSpace(rule.Name) ? $"{Prefix}.Rules[{i}]" : $"{Prefix}.Rules[{rule.Name}]";
            if (string.IsNullOrWhiteSpace(rule.Name))
            {
                builder.AddError("must not be empty.", $"{member}.{nameof(AlertRuleOptions.Name)}");
            }
            else if (!seen.Add(rule.Name))
            {
                builder.AddError($"must be unique; '{rule.Name}' names two rules.", $"{member}.{nameof(AlertRuleOptions.Name)}");
            }

            ValidateRule(builder, member, rule, options, intervalValid);
        }

        return builder.Build();
    }

    private static void ValidateHealth(ValidateOptionsResultBuilder builder, Health.MonitoringHealthOptions? health)
    {
        var member = $"{Prefix}.{nameof(MonitoringOptions.HealthChecks)}";
        if (health is null)
        {
            builder.AddError("must not be null.", member);
            return;
        }

        OptionsGuard.GreaterThanZeroAtMost(builder, $"{member}.{nameof(health.MemoryDegradedFraction)}", health.MemoryDegradedFraction, 1);
        OptionsGuard.NotBlank(builder, $"{member}.{nameof(health.LatencyMetric)}", health.LatencyMetric);
        Positive(builder, $"{member}.{nameof(health.LatencyThreshold)}", health.LatencyThreshold);
        if (!IsPercentile(health.LatencyPercentile))
        {
            builder.AddError($"must be one of P50, P90, P95, P99, P999; it is {health.LatencyPercentile}.", $"{member}.{nameof(health.LatencyPercentile)}");
        }
    }

    private static void ValidateRule(ValidateOptionsResultBuilder builder, string member, AlertRuleOptions rule, MonitoringOptions options, bool intervalValid)
    {
        OptionsGuard.Defined(builder, $"{member}.{nameof(AlertRuleOptions.Kind)}", rule.Kind);
        OptionsGuard.Defined(builder, $"{member}.{nameof(AlertRuleOptions.Aggregation)}", rule.Aggregation);
        OptionsGuard.Defined(builder, $"{member}.{nameof(AlertRuleOptions.Comparison)}", rule.Comparison);
        OptionsGuard.Defined(builder, $"{member}.{nameof(AlertRuleOptions.Severity)}", rule.Severity);
        ValidateMetric(builder, member, rule, options);

        if (rule.Kind != AlertRuleKind.Trend && rule.Kind != AlertRuleKind.BurnRate)
        {
            if (rule.Window <= TimeSpan.Zero)
            {
                builder.AddError($"must be greater than 0; it is {Text(rule.Window)}.", $"{member}.{nameof(AlertRuleOptions.Window)}");
            }
            else if (intervalValid)
            {
                WholeIntervals(builder, $"{member}.{nameof(AlertRuleOptions.Window)}", rule.Window, options.Interval);
                if (rule.Window > options.MaxWindow)
                {
                    builder.AddError($"must be at most MonitoringOptions.MaxWindow ({Text(options.MaxWindow)}); it is {Text(rule.Window)}.", $"{member}.{nameof(AlertRuleOptions.Window)}");
                }
            }
        }

        if (!double.IsFinite(rule.Threshold))
        {
            builder.AddError($"must be a finite number; it is {Text(rule.Threshold)}.", $"{member}.{nameof(AlertRuleOptions.Threshold)}");
        }
        else if (rule.Kind == AlertRuleKind.Anomaly && rule.Threshold < 0)
        {
            builder.AddError($"must be a number of standard deviations, 0 or more (0: 3); it is {Text(rule.Threshold)}.", $"{member}.{nameof(AlertRuleOptions.Threshold)}");
        }

        if (rule.ClearThreshold is { } clear)
        {
            var clearMember = $"{member}.{nameof(AlertRuleOptions.ClearThreshold)}";
            if (rule.Kind != AlertRuleKind.Threshold)
            {
                builder.AddError($"applies to threshold rules only; this rule is {rule.Kind}.", clearMember);
            }
            else if (!double.IsFinite(clear))
            {
                builder.AddError($"must be a finite number; it is {Text(clear)}.", clearMember);
            }
            else if (double.IsFinite(rule.Threshold))
            {
                var above = rule.Comparison is AlertComparison.GreaterThan or AlertComparison.GreaterThanOrEqual;
                if (above && clear > rule.Threshold)
                {
                    builder.AddError($"must be at most Threshold ({Text(rule.Threshold)}) for {rule.Comparison}: an alert clears below where it fires; it is {Text(clear)}.", clearMember);
                }
                else if (!above && clear < rule.Threshold)
                {
                    builder.AddError($"must be at least Threshold ({Text(rule.Threshold)}) for {rule.Comparison}: an alert clears above where it fires; it is {Text(clear)}.", clearMember);
                }
            }
        }

        NotNegative(builder, $"{member}.{nameof(AlertRuleOptions.For)}", rule.For);
        NotNegative(builder, $"{member}.{nameof(AlertRuleOptions.KeepFiringFor)}", rule.KeepFiringFor);
        OptionsGuard.Between(builder, $"{member}.{nameof(AlertRuleOptions.BreachesInARow)}", rule.BreachesInARow, 1, 10_000);
        OptionsGuard.AtLeast(builder, $"{member}.{nameof(AlertRuleOptions.MinSamples)}", rule.MinSamples, 0);
        OptionsGuard.Between(builder, $"{member}.{nameof(AlertRuleOptions.FlapThreshold)}", rule.FlapThreshold, 0, 1_000);
        if (rule.FlapThreshold > 0 && rule.FlapWindow <= TimeSpan.Zero)
        {
            builder.AddError($"must be greater than 0 when FlapThreshold is set; it is {Text(rule.FlapWindow)}.", $"{member}.{nameof(AlertRuleOptions.FlapWindow)}");
        }

        foreach (var key in (rule.Tags ?? new Dictionary<string, string>()).Keys.Concat((rule.Labels ?? new Dictionary<string, string>()).Keys))
        {
            if (string.IsNullOrWhiteSpace(key))
            {
                builder.AddError("must not have a blank name.", $"{member}.Tags/Labels");
            }
        }

        switch (rule.Kind)
        {
            case AlertRuleKind.Anomaly:
                if (!(rule.Smoothing > 0 && rule.Smoothing <= 1))
                {
                    builder.AddError($"must be greater than 0 and at most 1; it is {Text(rule.Smoothing)}.", $"{member}.{nameof(AlertRuleOptions.Smoothing)}");
                }

                break;
            case AlertRuleKind.Trend:
                OptionsGuard.Between(builder, $"{member}.{nameof(AlertRuleOptions.TrendSamples)}", rule.TrendSamples, 5, 200);
                if (rule.Limit is { } limit && !(double.IsFinite(limit) && limit > 0))
                {
                    builder.AddError($"must be a number greater than 0 when set; it is {Text(limit)}.", $"{member}.{nameof(AlertRuleOptions.Limit)}");
                }

                break;
            case AlertRuleKind.BurnRate:
                if (!(rule.Objective > 0 && rule.Objective < 1))
                {
                    builder.AddError($"must be between 0 and 1, both excluded (0.999 for 99.9%); it is {Text(rule.Objective)}.", $"{member}.{nameof(AlertRuleOptions.Objective)}");
                }

                Positive(builder, $"{member}.{nameof(AlertRuleOptions.LatencyThreshold)}", rule.LatencyThreshold);
                var windows = rule.BurnRateWindows ?? [];
                for (var i = 0; i < windows.Count; i++)
                {
                    var w = windows[i];
                    var wm = $"{member}.{nameof(AlertRuleOptions.BurnRateWindows)}[{i}]";
                    if (w is null)
                    {
                        builder.AddError("must not be null.", wm);
                        continue;
                    }

                    if (!(w.Short > TimeSpan.Zero && w.Long > w.Short))
                    {
                        builder.AddError($"must have 0 < Short < Long; they are Short {Text(w.Short)}, Long {Text(w.Long)}.", wm);
                    }
                    else if (intervalValid && (w.Short < options.Interval || w.Long.Ticks / options.Interval.Ticks > 100_000))
                    {
                        builder.AddError($"must have Short at least one interval ({Text(options.Interval)}) and Long at most 100,000 intervals; they are Short {Text(w.Short)}, Long {Text(w.Long)}.", wm);
                    }

                    Positive(builder, $"{wm}.{nameof(BurnRateWindow.Factor)}", w.Factor);
                }

                break;
        }
    }

    private static void ValidateMetric(ValidateOptionsResultBuilder builder, string member, AlertRuleOptions rule, MonitoringOptions options)
    {
        var metric = rule.Metric ?? (rule.Kind == AlertRuleKind.Trend ? KnownInstruments.HeapAfterGc : null);
        if (string.IsNullOrWhiteSpace(metric))
        {
            builder.AddError("must not be empty.", $"{member}.{nameof(AlertRuleOptions.Metric)}");
            return;
        }

        var meter = string.IsNullOrWhiteSpace(rule.Meter) ? KnownInstruments.Meter(metric) : rule.Meter;
        if (meter is null)
        {
            builder.AddError(
                $"'{metric}' is not an instrument of the runtime, ASP.NET Core, HttpClient or PerfKit; set Meter to the meter that publishes it (and add that meter to MonitoringOptions.Meters).",
                $"{member}.{nameof(AlertRuleOptions.Metric)}");
            return;
        }

        var meters = options.Meters ?? [];
        var selected = meter == "PerfKit.*"
            ? meters.Any(static m => m is not null && m.StartsWith("PerfKit", StringComparison.Ordinal))
            : meters.Any(m => m is not null && (string.Equals(m, meter, StringComparison.Ordinal) || (m.EndsWith('*') && meter.StartsWith(m[..^1], StringComparison.Ordinal))));
        if (!selected)
        {
            builder.AddError(
                $"'{metric}' is published by the meter '{meter}', which MonitoringOptions.Meters does not select; add it to MonitoringOptions.Meters.",
                $"{member}.{nameof(AlertRuleOptions.Metric)}");
        }
    }

    private static bool IsPercentile(AlertAggregation aggregation) =>
        aggregation is AlertAggregation.P50 or AlertAggregation.P90 or AlertAggregation.P95 or AlertAggregation.P99 or AlertAggregation.P999;

    private static void Positive(ValidateOptionsResultBuilder builder, string member, double value)
    {
        if (!(double.IsFinite(value) && value > 0))
        {
            builder.AddError($"must be a number greater than 0; it is {Text(value)}.", member);
        }
    }

    private static void NotNegative(ValidateOptionsResultBuilder builder, string member, TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            builder.AddError($"must not be negative; it is {Text(value)}.", member);
        }
    }

    private static void Duration(ValidateOptionsResultBuilder builder, string member, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            builder.AddError($"must be at least {Text(min)} and at most {Text(max)}; it is {Text(value)}.", member);
        }
    }

    private static void WholeIntervals(ValidateOptionsResultBuilder builder, string member, TimeSpan value, TimeSpan interval)
    {
        if (value < interval || value.Ticks % interval.Ticks != 0)
        {
            builder.AddError($"must be a whole number of intervals (MonitoringOptions.Interval, {Text(interval)}); it is {Text(value)}.", member);
        }
    }

    private static string Text(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);

    /// <summary>A number as written, never in E notation (1E+20 is printed 100000000000000000000).</summary>
    internal static string Text(double value) =>
        double.IsFinite(value) ? value.ToString("0.###############", CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Runs the validator; used where there is no DI container to do it.</summary>
    public static void ThrowIfInvalid(MonitoringOptions options) =>
        OptionsGuard.ThrowIfInvalid(options, Options.DefaultName, new MonitoringOptionsValidator());
}
