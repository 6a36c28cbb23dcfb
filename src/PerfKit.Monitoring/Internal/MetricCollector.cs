using System.Diagnostics.Metrics;
using PerfKit.Shared;

namespace PerfKit.Monitoring.Internal;

/// <summary>
/// Listens to the selected meters with one <see cref="MeterListener"/> and keeps the series of their instruments.
/// <see cref="Tick"/> reads the observable instruments and closes the current interval of every series.
/// </summary>
internal sealed class MetricCollector : IDisposable
{
    private readonly MeterListener _listener;
    private readonly string[] _exactMeters;
    private readonly string[] _meterPrefixes;
    private readonly Dictionary<string, string[]> _seriesTags;
    private readonly int _maxSeries;
    private readonly Lock _sync = new();
    private InstrumentState[] _instruments = [];
    private bool _started;
    private bool _disposed;

    public MetricCollector(MonitoringOptions options)
    {
        Slots = (int)(options.MaxWindow.Ticks / options.Interval.Ticks) + 1;
        _maxSeries = options.MaxSeriesPerInstrument;
        _exactMeters = [.. options.Meters.Where(static m => !m.EndsWith('*')).Distinct(StringComparer.Ordinal)];
        _meterPrefixes = [.. options.Meters.Where(static m => m.EndsWith('*')).Select(static m => m[..^1]).Distinct(StringComparer.Ordinal)];
        // Interned: instrumented code passes tag names as literals (interned), so the lookup's reference compare of names hits.
        _seriesTags = options.SeriesTags.ToDictionary(static p => p.Key, static p => p.Value.Distinct(StringComparer.Ordinal).Select(string.Intern).ToArray(), StringComparer.Ordinal);
        _listener = new MeterListener
        {
            InstrumentPublished = OnInstrumentPublished,
            MeasurementsCompleted = OnMeasurementsCompleted,
        };
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<byte>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, value, tags, state) => ((InstrumentState)state!).Record((double)value, tags));
    }

    /// <summary>Intervals in each series' ring: <see cref="MonitoringOptions.MaxWindow"/> / <see cref="MonitoringOptions.Interval"/>, plus the current one.</summary>
    public int Slots { get; }

    public InstrumentState[] Instruments => Volatile.Read(ref _instruments);

    /// <summary>Changes when an instrument is added, so rules know to look for theirs again.</summary>
    public int Version { get; private set; }

    public void Start()
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_started)
            {
                return;
            }

            _started = true;
        }

        _listener.Start();
    }

    public bool IsSelected(string meterName)
    {
        foreach (var exact in _exactMeters)
        {
            if (string.Equals(exact, meterName, StringComparison.Ordinal))
            {
                return true;
            }
        }

        foreach (var prefix in _meterPrefixes)
        {
            if (meterName.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!IsSelected(instrument.Meter.Name))
        {
            return;
        }

        var (kind, observableCounter) = KindOf(instrument);
        _seriesTags.TryGetValue(instrument.Name, out var keys);
        var state = new InstrumentState(instrument, kind, observableCounter, keys, _maxSeries, Slots);
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            CopyOnWriteArray.Add(ref _instruments, state);
            Version++;
        }

        listener.EnableMeasurementEvents(instrument, state);
    }

    /// <summary>A disposed meter's instrument (or the listener's end): its series go, so instruments of short-lived meters do not pile up.</summary>
    private void OnMeasurementsCompleted(Instrument instrument, object? state)
    {
        if (state is not InstrumentState s)
        {
            return;
        }

        lock (_sync)
        {
            if (CopyOnWriteArray.Remove(ref _instruments, s))
            {
                Version++;
            }
        }
    }

    internal static (SeriesKind Kind, bool ObservableCounter) KindOf(Instrument instrument)
    {
        var type = instrument.GetType();
        var definition = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        if (definition == typeof(Histogram<>))
        {
            return (SeriesKind.Histogram, false);
        }

        if (definition == typeof(Counter<>) || definition == typeof(UpDownCounter<>))
        {
            return (SeriesKind.Sum, false);
        }

        if (definition == typeof(ObservableCounter<>))
        {
            return (SeriesKind.Sum, true);
        }

        // Gauge<T>, ObservableGauge<T>, ObservableUpDownCounter<T> and instruments of other kinds: values.
        return (SeriesKind.Gauge, false);
    }

    /// <summary>Reads the observable instruments into the current interval, then closes it for every series. Tick thread only.</summary>
    public void Tick()
    {
        _listener.RecordObservableInstruments();
        foreach (var instrument in Instruments)
        {
            foreach (var series in instrument.AllSeries)
            {
                series.Rotate();
            }
        }
    }

    public void Dispose()
    {
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _listener.Dispose();
    }
}
