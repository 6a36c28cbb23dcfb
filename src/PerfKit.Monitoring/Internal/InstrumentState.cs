using System.Diagnostics.Metrics;
using System.Numerics;
using System.Runtime.CompilerServices;
using PerfKit.Shared;

namespace PerfKit.Monitoring.Internal;

/// <summary>
/// The series of one instrument and the lookup from a measurement's tags to its series, without allocating.
/// </summary>
/// <remarks>
/// Only the instrument's key tags (<see cref="MonitoringOptions.SeriesTags"/>, or all tags) identify a series. The
/// lookup first compares the tags by reference with the series found last (a call site passes the same name and value
/// objects each time, so this is a few pointer compares), then hashes the key values and probes an open-addressing
/// table of twice the series cap, comparing values with <see cref="object.Equals(object, object)"/>. New series are
/// added under a lock and published with a volatile write; series are never removed, so readers need no lock. Beyond
/// the cap, new tag sets go to one overflow series.
/// </remarks>
internal sealed class InstrumentState
{
    public const string OverflowTag = "otel.metric.overflow";

    private readonly string[]? _keyTags;
    private readonly Series?[] _table;
    private readonly int _mask;
    private readonly int _maxSeries;
    private readonly int _slots;
    private readonly Lock _sync = new();
    private Series[] _all = [];
    private Series? _last;
    private Series? _overflow;
    private int _count;

    public InstrumentState(Instrument instrument, SeriesKind kind, bool observableCounter, string[]? keyTags, int maxSeries, int slots)
    {
        Instrument = instrument;
        Kind = kind;
        IsObservableCounter = observableCounter;
        _keyTags = keyTags;
        _maxSeries = maxSeries;
        _slots = slots;
        var capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(4, maxSeries * 2));
        _table = new Series?[capacity];
        _mask = capacity - 1;
    }

    public Instrument Instrument { get; }

    public string MeterName => Instrument.Meter.Name;

    public string Name => Instrument.Name;

    public SeriesKind Kind { get; }

    public bool IsObservableCounter { get; }

    /// <summary>Every series, overflow included; a new array when a series is added.</summary>
    public Series[] AllSeries => Volatile.Read(ref _all);

    public long OverflowMeasurements => Volatile.Read(ref _overflow)?.OverflowMeasurements ?? 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var last = _last;
        var series = last is not null && SameByReference(last, tags) ? last : Find(tags);
        series.Record(value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsKey(string name)
    {
        var keys = _keyTags;
        if (keys is null)
        {
            return true;
        }

        foreach (var key in keys)
        {
            if (ReferenceEquals(key, name) || string.Equals(key, name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private bool SameByReference(Series series, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var names = series.TagNames;
        var values = series.TagValues;
        var j = 0;
        foreach (var tag in tags)
        {
            if (!IsKey(tag.Key))
            {
                continue;
            }

            if ((uint)j >= (uint)names.Length || !ReferenceEquals(names[j], tag.Key) || !ReferenceEquals(values[j], tag.Value))
            {
                return false;
            }

            j++;
        }

        return j == names.Length;
    }

    private bool SameByValue(Series series, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var names = series.TagNames;
        var values = series.TagValues;
        var j = 0;
        foreach (var tag in tags)
        {
            if (!IsKey(tag.Key))
            {
                continue;
            }

            if ((uint)j >= (uint)names.Length || !string.Equals(names[j], tag.Key, StringComparison.Ordinal) || !Equals(values[j], tag.Value))
            {
                return false;
            }

            j++;
        }

        return j == names.Length;
    }

    private int HashOf(ReadOnlySpan<KeyValuePair<string, object?>> tags, out int count)
    {
        var hash = 17;
        count = 0;
        foreach (var tag in tags)
        {
            if (IsKey(tag.Key))
            {
                hash = (hash * 31) + (tag.Value?.GetHashCode() ?? 0);
                count++;
            }
        }

        return hash;
    }

    private Series Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var hash = HashOf(tags, out var count);
        var index = hash & _mask;
        while (true)
        {
            var candidate = Volatile.Read(ref _table[index]);
            if (candidate is null)
            {
                break;
            }

            if (candidate.Hash == hash && SameByValue(candidate, tags))
            {
                _last = candidate;
                return candidate;
            }

            index = (index + 1) & _mask;
        }

        return Add(tags, hash, count);
    }

    private Series Add(ReadOnlySpan<KeyValuePair<string, object?>> tags, int hash, int count)
    {
        if (Volatile.Read(ref _count) >= _maxSeries)
        {
            return Overflow();
        }

        lock (_sync)
        {
            var index = hash & _mask;
            while (_table[index] is { } candidate)
            {
                if (candidate.Hash == hash && SameByValue(candidate, tags))
                {
                    return candidate;
                }

                index = (index + 1) & _mask;
            }

            if (_count >= _maxSeries)
            {
                return Overflow();
            }

            var names = new string[count];
            var values = new object?[count];
            var j = 0;
            foreach (var tag in tags)
            {
                if (IsKey(tag.Key))
                {
                    names[j] = tag.Key;
                    values[j] = tag.Value;
                    j++;
                }
            }

            var series = new Series(Kind, IsObservableCounter, names, values, hash, _slots);
            CopyOnWriteArray.Add(ref _all, series);
            Volatile.Write(ref _table[index], series);
            _count++;
            _last = series;
            return series;
        }
    }

    private Series Overflow()
    {
        var overflow = Volatile.Read(ref _overflow);
        if (overflow is not null)
        {
            return overflow;
        }

        lock (_sync)
        {
            if (_overflow is null)
            {
                var created = new Series(Kind, IsObservableCounter, [OverflowTag], [true], 0, _slots, isOverflow: true);
                CopyOnWriteArray.Add(ref _all, created);
                Volatile.Write(ref _overflow, created);
            }

            return _overflow;
        }
    }
}
