using PerfKit.Monitoring.Alerting;

namespace PerfKit.Monitoring.Internal;

/// <summary>
/// Reduces the intervals of a window, over one or several series, to the values a rule asks for. Reused from tick to
/// tick (one per alert group), so evaluation allocates nothing once the groups exist.
/// </summary>
internal sealed class WindowAccumulator
{
    private long[]? _buckets;
    private int _low = int.MaxValue;
    private int _high = -1;
    private bool _hasLast;
    private bool _hasFirst;

    public SeriesKind? Kind { get; private set; }

    public int Intervals { get; set; }

    public long Count { get; set; }

    public double Sum { get; set; }

    public double Min { get; set; } = double.PositiveInfinity;

    public double Max { get; set; } = double.NegativeInfinity;

    /// <summary>The sum over series of each series' last value (the heap over all generations, CPU time over both modes).</summary>
    public double Last { get; private set; }

    /// <summary>The sum over series of each series' first value in the window.</summary>
    public double First { get; private set; }

    // Set by Series.AddTo for the series being added, then folded in by EndSeries.
    public double LastOfSeries { get; set; } = double.NaN;

    public double FirstOfSeries { get; set; } = double.NaN;

    public void Reset()
    {
        if (_buckets is not null && _high >= 0)
        {
            Array.Clear(_buckets, _low, _high - _low + 1);
        }

        _low = int.MaxValue;
        _high = -1;
        Kind = null;
        Intervals = 0;
        Count = 0;
        Sum = 0;
        Min = double.PositiveInfinity;
        Max = double.NegativeInfinity;
        Last = 0;
        First = 0;
        _hasLast = false;
        _hasFirst = false;
        LastOfSeries = double.NaN;
        FirstOfSeries = double.NaN;
    }

    public void AddBuckets(ReadOnlySpan<int> buckets, int low, int high, long count)
    {
        if (high < 0)
        {
            return;
        }

        var target = _buckets ??= new long[LogLinearBuckets.Count];
        for (var i = low; i <= high; i++)
        {
            target[i] += buckets[i];
        }

        _low = Math.Min(_low, low);
        _high = Math.Max(_high, high);
        Count += count;
    }

    public void EndSeries(SeriesKind kind, bool hasLast)
    {
        Kind ??= kind;
        if (hasLast && !double.IsNaN(LastOfSeries))
        {
            Last += LastOfSeries;
            _hasLast = true;
        }

        if (!double.IsNaN(FirstOfSeries))
        {
            First += FirstOfSeries;
            _hasFirst = true;
        }

        LastOfSeries = double.NaN;
        FirstOfSeries = double.NaN;
    }

    /// <summary>The value of <paramref name="aggregation"/>, or NaN when there is none (no data, or not supported by the instrument).</summary>
    public double Compute(AlertAggregation aggregation, TimeSpan interval)
    {
        var seconds = Intervals * interval.TotalSeconds;
        if (Kind == SeriesKind.Histogram)
        {
            return aggregation switch
            {
                AlertAggregation.Count => Count,
                AlertAggregation.Rate => seconds > 0 ? Count / seconds : double.NaN,
                _ when Count == 0 => double.NaN,
                AlertAggregation.Sum => BucketSum(),
                AlertAggregation.Average => BucketSum() / Count,
                AlertAggregation.Min => LogLinearBuckets.Midpoint(_low),
                AlertAggregation.Max => LogLinearBuckets.Midpoint(_high),
                AlertAggregation.P50 => Percentile(0.50),
                AlertAggregation.P90 => Percentile(0.90),
                AlertAggregation.P95 => Percentile(0.95),
                AlertAggregation.P99 => Percentile(0.99),
                AlertAggregation.P999 => Percentile(0.999),
                _ => double.NaN,
            };
        }

        if (Kind == SeriesKind.Sum)
        {
            return aggregation switch
            {
                AlertAggregation.Count => Count,
                AlertAggregation.Sum => Sum,
                AlertAggregation.Rate => seconds > 0 ? Sum / seconds : double.NaN,
                AlertAggregation.Average => Count > 0 ? Sum / Count : double.NaN,
                AlertAggregation.Last => _hasLast ? Last : double.NaN,
                _ => double.NaN,
            };
        }

        if (Kind == SeriesKind.Gauge)
        {
            return aggregation switch
            {
                AlertAggregation.Count => Count,
                _ when Count == 0 => double.NaN,
                AlertAggregation.Sum => Sum,
                AlertAggregation.Average => Sum / Count,
                AlertAggregation.Min => Min,
                AlertAggregation.Max => Max,
                AlertAggregation.Last => _hasLast ? Last : double.NaN,
                AlertAggregation.Rate => seconds > 0 && _hasFirst ? (Last - First) / seconds : double.NaN,
                _ => double.NaN,
            };
        }

        return double.NaN;
    }

    /// <summary>The share of histogram measurements above <paramref name="threshold"/> (bucket resolution: a bucket counts as above when its midpoint is).</summary>
    public long CountAbove(double threshold)
    {
        if (Kind != SeriesKind.Histogram || _buckets is null || _high < 0)
        {
            return 0;
        }

        long above = 0;
        for (var i = _high; i >= _low; i--)
        {
            if (LogLinearBuckets.Midpoint(i) <= threshold)
            {
                break;
            }

            above += _buckets[i];
        }

        return above;
    }

    public double Percentile(double quantile)
    {
        if (_buckets is null || Count == 0)
        {
            return double.NaN;
        }

        var rank = (long)Math.Ceiling(quantile * Count);
        rank = Math.Clamp(rank, 1, Count);
        long seen = 0;
        for (var i = _low; i <= _high; i++)
        {
            seen += _buckets[i];
            if (seen >= rank)
            {
                return LogLinearBuckets.Midpoint(i);
            }
        }

        return LogLinearBuckets.Midpoint(_high);
    }

    private double BucketSum()
    {
        var sum = 0.0;
        for (var i = _low; i <= _high; i++)
        {
            if (_buckets![i] != 0)
            {
                sum += _buckets[i] * LogLinearBuckets.Midpoint(i);
            }
        }

        return sum;
    }
}
