using System.Diagnostics.Metrics;
using PerfKit.Shared;
using Instruments = PerfKit.Streaming.PerfKitStreamingDiagnostics.Instruments;

namespace PerfKit.Streaming.Internal;

/// <summary>The pipeline instruments of the PerfKit.Streaming meter, created once per <see cref="Meter"/>.</summary>
internal sealed class StreamingMetrics
{
    private StreamingMetrics(Meter meter)
    {
        Items = meter.CreateCounter<long>(Instruments.Items, "{item}", "Items finished by pipelines, by result.");
        Bytes = meter.CreateCounter<long>(Instruments.Bytes, "By", "Weight (bytes) of the items that succeeded.");
        Records = meter.CreateCounter<long>(Instruments.Records, "{record}", "Records counted by processors.");
        Failures = meter.CreateCounter<long>(Instruments.Failures, "{item}", "Failed items, by reason.");
        Retries = meter.CreateCounter<long>(Instruments.Retries, "{retry}", "Retries of failed items.");
        BytesInFlight = meter.CreateUpDownCounter<long>(Instruments.BytesInFlight, "By", "Weight admitted and not yet written by the sinks.");
        ItemsInFlight = meter.CreateUpDownCounter<long>(Instruments.ItemsInFlight, "{item}", "Items admitted and not yet written by the sinks.");
        QueueDepth = meter.CreateUpDownCounter<long>(Instruments.QueueDepth, "{item}", "Items waiting in a queue, by queue.");
        Checkpoints = meter.CreateCounter<long>(Instruments.Checkpoints, "{checkpoint}", "Checkpoints written.");
        Batches = meter.CreateCounter<long>(Instruments.Batches, "{batch}", "Batches written to the sinks.");
    }

    public Counter<long> Items { get; }

    public Counter<long> Bytes { get; }

    public Counter<long> Records { get; }

    public Counter<long> Failures { get; }

    public Counter<long> Retries { get; }

    public UpDownCounter<long> BytesInFlight { get; }

    public UpDownCounter<long> ItemsInFlight { get; }

    public UpDownCounter<long> QueueDepth { get; }

    public Counter<long> Checkpoints { get; }

    public Counter<long> Batches { get; }

    public static StreamingMetrics For(IMeterFactory? meterFactory) =>
        MeterCache<StreamingMetrics>.For(meterFactory, PerfKitStreamingDiagnostics.MeterName, static m => new StreamingMetrics(m));
}
