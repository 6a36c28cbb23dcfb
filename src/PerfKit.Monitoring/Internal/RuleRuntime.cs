using System.Globalization;
using PerfKit.Monitoring.Alerting;
using PerfKit.Monitoring.Notifications;

namespace PerfKit.Monitoring.Internal;

/// <summary>
/// One rule at run time: finds its series (again only when an instrument or a series appears), groups them into
/// alerts, reduces each group's window to a value and feeds the alert's lifecycle. Allocates nothing per tick once its
/// groups exist, except the notifications it publishes.
/// </summary>
internal sealed class RuleRuntime
{
    private static readonly BurnRateWindow[] DefaultBurnRateWindows =
    [
        new() { Long = TimeSpan.FromHours(1), Short = TimeSpan.FromMinutes(5), Factor = 14.4 },
        new() { Long = TimeSpan.FromHours(6), Short = TimeSpan.FromMinutes(30), Factor = 6 },
    ];

    private readonly TimeSpan _interval;
    private readonly int _windowSlots;
    private readonly KeyValuePair<string, string>[] _filter;
    private readonly string[]? _groupBy;
    private readonly Dictionary<string, RuleAlertGroup> _groupsByKey = new(StringComparer.Ordinal);
    private readonly List<(Series Series, RuleAlertGroup Group)> _members = [];
    private readonly List<RuleAlertGroup> _groups = [];
    private readonly BurnRateWindow[] _burnWindows;
    private readonly int _burnSlots;
    private readonly double[]? _trendScratch;
    private int _collectorVersion = -1;
    private InstrumentState[] _bound = [];
    private Series[][] _boundSeries = [];

    public RuleRuntime(AlertRuleOptions options, TimeSpan interval)
    {
        Options = options;
        _interval = interval;
        Metric = options.Metric ?? (options.Kind == AlertRuleKind.Trend ? KnownInstruments.HeapAfterGc : "");
        MeterName = options.Meter;
        _windowSlots = Math.Max(1, (int)(options.Window.Ticks / interval.Ticks));
        _filter = [.. options.Tags];
        // Blank entries are ignored, so [""] in configuration (where an empty list cannot be written) means "one alert".
        // A trend rule watches the heap as a whole: its series (one per GC generation) form one alert unless grouped.
        _groupBy = options.GroupBy is { } groupBy ? [.. groupBy.Where(static g => !string.IsNullOrWhiteSpace(g))]
            : options.Kind == AlertRuleKind.Trend ? [] : null;
        _burnWindows = options.BurnRateWindows.Count > 0 ? [.. options.BurnRateWindows] : DefaultBurnRateWindows;
        if (options.Kind == AlertRuleKind.BurnRate)
        {
            _burnSlots = Math.Max(1, (int)(_burnWindows.Max(static w => w.Long).Ticks / interval.Ticks));
        }

        if (options.Kind == AlertRuleKind.Trend)
        {
            var n = Math.Max(2, options.TrendSamples);
            _trendScratch = new double[n * (n - 1) / 2];
        }
    }

    public AlertRuleOptions Options { get; }

    public string Metric { get; }

    public string? MeterName { get; }

    public IReadOnlyList<RuleAlertGroup> Groups => _groups;

    public void Evaluate(MetricCollector collector, DateTimeOffset now, Func<double> budget, Action<AlertNotification> publish, Action<RuleRuntime, RuleAlertGroup>? flappingChanged = null)
    {
        Refresh(collector);
        foreach (var group in _groups)
        {
            group.Accumulator.Reset();
        }

        var slots = Options.Kind is AlertRuleKind.Trend or AlertRuleKind.BurnRate ? 1 : _windowSlots;
        foreach (var (series, group) in _members)
        {
            series.AddTo(group.Accumulator, slots);
        }

        foreach (var group in _groups)
        {
            bool hasData, breach, clear;
            double value;
            if (!group.HasMembers)
            {
                // Its series are gone (their meter was disposed): an active alert clears rather than firing for ever.
                if (group.Instance.State == AlertState.Inactive && group.Instance.NotifiedFiringSince is null)
                {
                    continue;
                }

                (hasData, breach, clear, value) = (true, false, true, double.NaN);
            }
            else
            {
                (hasData, breach, clear, value) = Options.Kind switch
                {
                    AlertRuleKind.Anomaly => Anomaly(group),
                    AlertRuleKind.Trend => Trend(group, now, budget),
                    AlertRuleKind.BurnRate => BurnRate(group),
                    _ => Threshold(group),
                };
            }

            group.Value = value;
            var wasFlapping = group.Instance.Flapping;
            var transition = group.Instance.Step(now, hasData, breach, clear);
            if (group.Instance.Flapping != wasFlapping)
            {
                flappingChanged?.Invoke(this, group);
            }

            if (transition is { } status)
            {
                var startsAt = group.Instance.NotifiedFiringSince ?? now;
                publish(new AlertNotification
                {
                    RuleName = Options.Name,
                    Status = status,
                    Severity = Options.Severity,
                    Labels = group.Labels,
                    Annotations = Annotations(group),
                    StartsAt = startsAt,
                    EndsAt = status == AlertStatus.Resolved ? now : null,
                    Value = double.IsNaN(value) ? null : value,
                    Fingerprint = group.Fingerprint,
                });
                if (status == AlertStatus.Resolved)
                {
                    group.Instance.ResolvedPublished();
                }
            }
        }
    }

    private (bool, bool, bool, double) Threshold(RuleAlertGroup group)
    {
        var acc = group.Accumulator;
        var value = acc.Compute(Options.Aggregation, _interval);
        if (acc.Count == 0 && acc.Intervals > 0 && Options.Aggregation is AlertAggregation.Sum or AlertAggregation.Count or AlertAggregation.Rate)
        {
            // Nothing counted in the window: the sum, the count and the rate are 0, a value like any other.
            value = 0;
        }
        else if (double.IsNaN(value) || acc.Count < Options.MinSamples)
        {
            // No data (or too few samples): not a breach. AlertInstance resolves a firing alert on it.
            return (false, false, true, value);
        }

        var hasData = true;
        var breach = Compare(value, Options.Threshold);
        var clear = !Compare(value, Options.ClearThreshold ?? Options.Threshold);
        return (hasData, breach, clear, value);
    }

    private (bool, bool, bool, double) Anomaly(RuleAlertGroup group)
    {
        var acc = group.Accumulator;
        var value = acc.Compute(Options.Aggregation, _interval);
        if (double.IsNaN(value) || acc.Count < Options.MinSamples)
        {
            return (false, false, false, value);
        }

        var k = Options.Threshold > 0 ? Options.Threshold : 3;
        var alpha = Options.Smoothing;
        var warmUp = (long)Math.Ceiling(1 / alpha);
        var breach = false;
        var hasData = false;
        if (group.Observations >= warmUp)
        {
            // A floor on the deviation: a perfectly flat history would make any change an anomaly.
            var sigma = Math.Max(Math.Sqrt(group.Variance), Math.Max(Math.Abs(group.Mean) * 0.01, 1e-12));
            group.BandLow = group.Mean - (k * sigma);
            group.BandHigh = group.Mean + (k * sigma);
            hasData = true;
            breach = Options.Comparison is AlertComparison.GreaterThan or AlertComparison.GreaterThanOrEqual
                ? value > group.BandHigh
                : value < group.BandLow;
        }

        if (group.Observations == 0)
        {
            group.Mean = value;
            group.Variance = 0;
        }
        else
        {
            var diff = value - group.Mean;
            var increment = alpha * diff;
            group.Mean += increment;
            group.Variance = (1 - alpha) * (group.Variance + (diff * increment));
        }

        group.Observations++;
        return (hasData, breach, !breach, value);
    }

    private (bool, bool, bool, double) Trend(RuleAlertGroup group, DateTimeOffset now, Func<double> budget)
    {
        var value = group.Accumulator.Compute(AlertAggregation.Last, _interval);
        var n = Math.Max(2, Options.TrendSamples);
        group.TrendX ??= new double[n];
        group.TrendY ??= new double[n];
        if (!double.IsNaN(value) && !value.Equals(group.TrendLastValue))
        {
            // A new value after a GC: one sample. An unchanged value is the same GC read again.
            group.TrendLastValue = value;
            // Hours since the group's first sample: small numbers keep the slopes' precision.
            group.TrendOrigin ??= now;
            group.TrendX[group.TrendNext] = (now - group.TrendOrigin.Value).TotalHours;
            group.TrendY[group.TrendNext] = value;
            group.TrendNext = (group.TrendNext + 1) % n;
            group.TrendCount = Math.Min(group.TrendCount + 1, n);
        }

        var minimum = (int)Math.Max(5, Math.Min(Options.MinSamples, n));
        if (group.TrendCount < minimum)
        {
            return (false, false, false, double.NaN);
        }

        var slope = TheilSen.Slope(group.TrendX.AsSpan(0, group.TrendCount), group.TrendY.AsSpan(0, group.TrendCount), _trendScratch);
        group.SlopePerHour = slope;
        group.Limit = Options.Limit ?? budget();
        var breach = Compare(slope, Options.Threshold);
        return (!double.IsNaN(slope), breach, !breach, slope);
    }

    private (bool, bool, bool, double) BurnRate(RuleAlertGroup group)
    {
        var acc = group.Accumulator;
        var size = _burnSlots;
        group.BurnTotal ??= new long[size];
        group.BurnBad ??= new long[size];
        group.BurnLong ??= new double[_burnWindows.Length];
        group.BurnShort ??= new double[_burnWindows.Length];
        group.BurnTotal[group.BurnNext] = acc.Count;
        group.BurnBad[group.BurnNext] = acc.CountAbove(Options.LatencyThreshold);
        group.BurnNext = (group.BurnNext + 1) % size;
        group.BurnFilled = Math.Min(group.BurnFilled + 1, size);

        var budgetShare = 1 - Options.Objective;
        var breach = false;
        var hasData = false;
        var worst = 0.0;
        for (var p = 0; p < _burnWindows.Length; p++)
        {
            var window = _burnWindows[p];
            var (longTotal, longBad) = Sum(group, (int)(window.Long.Ticks / _interval.Ticks), size);
            var (shortTotal, shortBad) = Sum(group, (int)(window.Short.Ticks / _interval.Ticks), size);
            var longBurn = longTotal > 0 ? longBad / (double)longTotal / budgetShare : 0;
            var shortBurn = shortTotal > 0 ? shortBad / (double)shortTotal / budgetShare : 0;
            group.BurnLong[p] = longBurn;
            group.BurnShort[p] = shortBurn;
            hasData |= longTotal >= Options.MinSamples;
            if (longTotal >= Options.MinSamples && longBurn > window.Factor && shortBurn > window.Factor)
            {
                breach = true;
            }

            worst = Math.Max(worst, Math.Min(longBurn, shortBurn) / window.Factor);
        }

        return (hasData, breach, !breach, worst);

        static (long Total, long Bad) Sum(RuleAlertGroup group, int intervals, int size)
        {
            intervals = Math.Min(Math.Max(1, intervals), group.BurnFilled);
            long total = 0, bad = 0;
            var index = group.BurnNext;
            for (var i = 0; i < intervals; i++)
            {
                index = (index + size - 1) % size;
                total += group.BurnTotal![index];
                bad += group.BurnBad![index];
            }

            return (total, bad);
        }
    }

    private bool Compare(double value, double threshold) => Options.Comparison switch
    {
        AlertComparison.GreaterThan => value > threshold,
        AlertComparison.GreaterThanOrEqual => value >= threshold,
        AlertComparison.LessThan => value < threshold,
        AlertComparison.LessThanOrEqual => value <= threshold,
        _ => false,
    };

    private void Refresh(MetricCollector collector)
    {
        var changed = collector.Version != _collectorVersion;
        if (changed)
        {
            _collectorVersion = collector.Version;
            _bound = [.. collector.Instruments.Where(i => string.Equals(i.Name, Metric, StringComparison.Ordinal)
                && (MeterName is null || string.Equals(i.MeterName, MeterName, StringComparison.Ordinal)))];
            _boundSeries = new Series[_bound.Length][];
        }

        for (var i = 0; i < _bound.Length && !changed; i++)
        {
            changed = !ReferenceEquals(_bound[i].AllSeries, _boundSeries[i]);
        }

        if (!changed)
        {
            return;
        }

        _members.Clear();
        foreach (var group in _groups)
        {
            group.HasMembers = false;
        }

        for (var i = 0; i < _bound.Length; i++)
        {
            var all = _bound[i].AllSeries;
            _boundSeries[i] = all;
            foreach (var series in all)
            {
                if (!Matches(series))
                {
                    continue;
                }

                var group = GroupOf(series);
                group.HasMembers = true;
                _members.Add((series, group));
            }
        }
    }

    private bool Matches(Series series)
    {
        foreach (var (key, expected) in _filter)
        {
            if (!series.Tags.TryGetValue(key, out var actual) || !string.Equals(actual, expected, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private RuleAlertGroup GroupOf(Series series)
    {
        IEnumerable<KeyValuePair<string, string>> tags = _groupBy is null
            ? series.Tags
            : _groupBy.Select(k => new KeyValuePair<string, string>(k, series.Tags.TryGetValue(k, out var v) ? v : ""));
        var pairs = tags.OrderBy(static p => p.Key, StringComparer.Ordinal).ToArray();
        var key = string.Join("\u001f", pairs.Select(static p => p.Key + "\u001e" + p.Value));
        if (_groupsByKey.TryGetValue(key, out var group))
        {
            return group;
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in pairs)
        {
            labels[k] = v;
        }

        foreach (var (k, v) in Options.Labels)
        {
            labels[k] = v;
        }

        labels["alertname"] = Options.Name;
        labels["severity"] = Options.Severity.ToString().ToLowerInvariant();
        group = new RuleAlertGroup(Options, labels);
        _groupsByKey.Add(key, group);
        _groups.Add(group);
        return group;
    }

    private Dictionary<string, string> Annotations(RuleAlertGroup group)
    {
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["summary"] = Options.Summary ?? DefaultSummary(),
            ["description"] = Describe(group),
        };
        if (Options.Kind == AlertRuleKind.Anomaly && !double.IsNaN(group.BandLow))
        {
            annotations["expected_band"] = Format(group.BandLow) + " to " + Format(group.BandHigh);
        }

        return annotations;
    }

    private string DefaultSummary() => Options.Kind switch
    {
        AlertRuleKind.Anomaly => $"{Options.Aggregation} of {Metric} is anomalous",
        AlertRuleKind.Trend => $"{Metric} grows: leak suspected",
        AlertRuleKind.BurnRate => $"{Metric} burns its error budget too fast",
        _ => $"{Options.Aggregation} of {Metric} {Symbol(Options.Comparison)} {Format(Options.Threshold)}",
    };

    internal string Describe(RuleAlertGroup group)
    {
        var value = Format(group.Value);
        var window = Options.Window.ToString("c", CultureInfo.InvariantCulture);
        switch (Options.Kind)
        {
            case AlertRuleKind.Anomaly:
                return $"{Options.Aggregation} of {Metric} over {window} is {value}; expected between {Format(group.BandLow)} and {Format(group.BandHigh)}.";
            case AlertRuleKind.Trend:
                var perHour = group.SlopePerHour;
                var text = $"leak suspected, {(perHour >= 0 ? "+" : "")}{Format(perHour / (1024 * 1024))} MB/h";
                if (!double.IsNaN(group.Limit) && perHour > 0)
                {
                    var hours = (group.Limit - group.TrendLastValue) / perHour;
                    text += hours <= 0
                        ? $", limit {Format(group.Limit / (1024 * 1024))} MB already reached"
                        : $", limit {Format(group.Limit / (1024 * 1024))} MB reached in about {Duration(hours)}";
                }

                return text + ".";
            case AlertRuleKind.BurnRate:
                var parts = new List<string>();
                for (var p = 0; p < _burnWindows.Length && group.BurnLong is not null; p++)
                {
                    var w = _burnWindows[p];
                    parts.Add($"{Format(group.BurnLong[p])} over {w.Long.ToString("c", CultureInfo.InvariantCulture)} and {Format(group.BurnShort![p])} over {w.Short.ToString("c", CultureInfo.InvariantCulture)} (limit {Format(w.Factor)})");
                }

                return $"burn rate of the {Format(Options.Objective * 100)}% objective (bad: above {Format(Options.LatencyThreshold)}): {string.Join("; ", parts)}.";
            default:
                return $"{Options.Aggregation} of {Metric} over {window} is {value} (threshold {Symbol(Options.Comparison)} {Format(Options.Threshold)}).";
        }
    }

    private static string Duration(double hours) =>
        hours < 1 ? $"{Math.Max(1, Math.Round(hours * 60))} min"
        : hours < 48 ? $"{Format(Math.Round(hours, 1))} h"
        : $"{Format(Math.Round(hours / 24, 1))} days";

    internal static string Format(double value) =>
        double.IsNaN(value) ? "n/a" : value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Symbol(AlertComparison comparison) => comparison switch
    {
        AlertComparison.GreaterThan => ">",
        AlertComparison.GreaterThanOrEqual => ">=",
        AlertComparison.LessThan => "<",
        _ => "<=",
    };
}
