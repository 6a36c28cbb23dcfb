using System.Globalization;
using System.Runtime.CompilerServices;

namespace PerfKit.Monitoring.Internal;

/// <summary>
/// One series of an instrument (one tag set): a ring of <c>slots</c> intervals, the current one written by recorders
/// and the others complete. Fixed memory: a histogram series holds <c>slots × 1,024</c> 4-byte bucket counts (4 KiB per
/// interval) plus 48 bytes of statistics per interval; the others 48 bytes per interval. Recording into a histogram is
/// one <see cref="Interlocked.Increment(ref int)"/>; into a counter an increment and an add; into a gauge a short lock.
/// </summary>
internal sealed class Series
{
    private readonly int _slots;
    private readonly int[]? _buckets;
    private readonly SlotStats[] _stats;
    private readonly Lock _gaugeLock = new();
    private int _currentOffset;
    private int _current;
    private long _rotations;

    // The current interval of a Sum or Gauge series (histograms count in _buckets).
    private long _count;
    private double _sum;
    private double _min = double.PositiveInfinity;
    private double _max = double.NegativeInfinity;
    private double _first;
    private double _last;
    private double _total;
    private double _lastCumulative = double.NaN;
    private long _overflowMeasurements;

    public Series(SeriesKind kind, bool observableCounter, string[] tagNames, object?[] tagValues, int hash, int slots, bool isOverflow = false)
    {
        Kind = kind;
        IsObservableCounter = observableCounter;
        TagNames = tagNames;
        TagValues = tagValues;
        Hash = hash;
        IsOverflow = isOverflow;
        _slots = slots;
        _stats = new SlotStats[slots];
        if (kind == SeriesKind.Histogram)
        {
            _buckets = new int[slots * LogLinearBuckets.Count];
        }

        var tags = new Dictionary<string, string>(tagNames.Length, StringComparer.Ordinal);
        for (var i = 0; i < tagNames.Length; i++)
        {
            tags[tagNames[i]] = TagText(tagValues[i]);
        }

        Tags = tags;
    }

    public SeriesKind Kind { get; }

    public bool IsObservableCounter { get; }

    public string[] TagNames { get; }

    public object?[] TagValues { get; }

    public int Hash { get; }

    public bool IsOverflow { get; }

    public IReadOnlyDictionary<string, string> Tags { get; }

    /// <summary>Measurements that went to this overflow series.</summary>
    public long OverflowMeasurements => Volatile.Read(ref _overflowMeasurements);

    public static string TagText(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(double value)
    {
        if (_buckets is { } buckets)
        {
            Interlocked.Increment(ref buckets[Volatile.Read(ref _currentOffset) + LogLinearBuckets.IndexOf(value)]);
        }
        else
        {
            RecordScalar(value);
        }

        if (IsOverflow)
        {
            Interlocked.Increment(ref _overflowMeasurements);
        }
    }

    private void RecordScalar(double value)
    {
        if (Kind == SeriesKind.Sum)
        {
            if (IsObservableCounter)
            {
                // Observed on the tick thread only: the increment since the last observation.
                var previous = _lastCumulative;
                _lastCumulative = value;
                _total = value;
                if (double.IsNaN(previous) || value < previous)
                {
                    return;
                }

                value -= previous;
            }

            Interlocked.Increment(ref _count);
            AddDouble(ref _sum, value);
            if (!IsObservableCounter)
            {
                AddDouble(ref _total, value);
            }

            return;
        }

        lock (_gaugeLock)
        {
            if (_count == 0)
            {
                _first = value;
            }

            _count++;
            _sum += value;
            _min = Math.Min(_min, value);
            _max = Math.Max(_max, value);
            _last = value;
        }
    }

    private static void AddDouble(ref double target, double value)
    {
        var current = Volatile.Read(ref target);
        while (true)
        {
            var seen = Interlocked.CompareExchange(ref target, current + value, current);
            if (seen.Equals(current))
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>Closes the current interval and opens the next; called by the tick only.</summary>
    public void Rotate()
    {
        ref var stats = ref _stats[_current];
        if (_buckets is not null)
        {
            // The previous interval is summarised again: a recorder that read the old offset just before the last
            // rotation may have counted into it after its summary.
            Summarise(Previous(_current));
            Summarise(_current);
        }
        else if (Kind == SeriesKind.Sum)
        {
            stats.Count = Interlocked.Exchange(ref _count, 0);
            stats.Sum = Interlocked.Exchange(ref _sum, 0);
            stats.Last = Volatile.Read(ref _total);
            stats.Min = stats.Max = stats.First = double.NaN;
        }
        else
        {
            lock (_gaugeLock)
            {
                stats.Count = _count;
                stats.Sum = _sum;
                stats.Min = _min;
                stats.Max = _max;
                stats.First = _first;
                stats.Last = _last;
                _count = 0;
                _sum = 0;
                _min = double.PositiveInfinity;
                _max = double.NegativeInfinity;
            }
        }

        var next = (_current + 1) % _slots;
        if (_buckets is not null)
        {
            Array.Clear(_buckets, next * LogLinearBuckets.Count, LogLinearBuckets.Count);
            Volatile.Write(ref _currentOffset, next * LogLinearBuckets.Count);
        }

        _stats[next] = default;
        _current = next;
        _rotations++;
    }

    private int Previous(int slot) => (slot + _slots - 1) % _slots;

    private void Summarise(int slot)
    {
        var offset = slot * LogLinearBuckets.Count;
        var span = _buckets.AsSpan(offset, LogLinearBuckets.Count);
        long count = 0;
        var low = -1;
        var high = -1;
        for (var i = 0; i < span.Length; i++)
        {
            var c = span[i];
            if (c != 0)
            {
                count += c;
                if (low < 0)
                {
                    low = i;
                }

                high = i;
            }
        }

        ref var stats = ref _stats[slot];
        stats.Count = count;
        stats.LowIndex = low;
        stats.HighIndex = high;
    }

    /// <summary>Adds the last <paramref name="intervals"/> complete intervals to <paramref name="accumulator"/>.</summary>
    public void AddTo(WindowAccumulator accumulator, int intervals)
    {
        var available = (int)Math.Min(intervals, Math.Min(_rotations, _slots - 1));
        accumulator.Intervals = Math.Max(accumulator.Intervals, available);
        var slot = _current;
        var hasLast = false;
        for (var n = 0; n < available; n++)
        {
            slot = Previous(slot);
            ref readonly var stats = ref _stats[slot];
            if (stats.Count == 0 && (Kind != SeriesKind.Sum || hasLast))
            {
                continue;
            }

            if (_buckets is not null)
            {
                accumulator.AddBuckets(_buckets.AsSpan(slot * LogLinearBuckets.Count, LogLinearBuckets.Count), stats.LowIndex, stats.HighIndex, stats.Count);
                continue;
            }

            accumulator.Count += stats.Count;
            accumulator.Sum += stats.Sum;
            if (Kind == SeriesKind.Gauge && stats.Count > 0)
            {
                accumulator.Min = Math.Min(accumulator.Min, stats.Min);
                accumulator.Max = Math.Max(accumulator.Max, stats.Max);
                accumulator.FirstOfSeries = stats.First; // walking back: the last one seen is the earliest
            }

            if (!hasLast)
            {
                hasLast = true;
                accumulator.LastOfSeries = stats.Last;
            }
        }

        accumulator.EndSeries(Kind, hasLast);
    }
}
