using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json.Nodes;

namespace PerfKit.Caching.NodeHost;

/// <summary>
/// Sums every measurement of the <c>PerfKit.Caching</c> meter by instrument and tags (the cache-name tag left out), as an
/// operator's metrics pipeline would see them: for example <c>perfkit.cache.l2.outbox.dropped{operation=set,reason=full}</c>.
/// </summary>
internal sealed class CacheMetricsRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _sums = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _gauges = new(StringComparer.Ordinal);

    public CacheMetricsRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PerfKitCachingDiagnostics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    /// <summary>The sum of an instrument's measurements over every tag combination.</summary>
    public long Total(string instrument)
    {
        long total = 0;
        foreach (var (name, value) in _sums)
        {
            if (name == instrument || name.StartsWith(instrument + "{", StringComparison.Ordinal))
            {
                total += value;
            }
        }

        return total;
    }

    /// <summary>Reads the observable gauges now (the outbox's pending count, L1 entries).</summary>
    public void Observe() => _listener.RecordObservableInstruments();

    public long Gauge(string instrument) => _gauges.TryGetValue(instrument, out var value) ? value : -1;

    public JsonObject ToJson()
    {
        var result = new JsonObject();
        // ToArray first: LINQ over a ConcurrentDictionary reads Count, then copies, and fails if an add came in between.
        foreach (var (name, value) in _sums.ToArray().OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            result[name] = value;
        }

        return result;
    }

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(Instrument instrument, long measurement, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (instrument is ObservableGauge<long>)
        {
            _gauges[instrument.Name] = measurement;
            return;
        }

        var name = new StringBuilder(instrument.Name);
        var first = true;
        foreach (var tag in tags)
        {
            if (tag.Key == PerfKitCachingDiagnostics.Tags.Cache)
            {
                continue;
            }

            name.Append(first ? '{' : ',').Append(tag.Key).Append('=').Append(tag.Value);
            first = false;
        }

        if (!first)
        {
            name.Append('}');
        }

        _sums.AddOrUpdate(name.ToString(), measurement, (_, sum) => sum + measurement);
    }
}
