using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace PerfKit.Streaming.Tests;

public sealed class TelemetryTests
{
    [Fact]
    public async Task ARun_CountsItemsBytesRecordsAndFailures_AndLeavesNothingInFlight()
    {
        var name = "telemetry-" + Guid.NewGuid().ToString("N");
        using var items = new MetricCollector<long>(null, PerfKitStreamingDiagnostics.MeterName, PerfKitStreamingDiagnostics.Instruments.Items);
        using var bytes = new MetricCollector<long>(null, PerfKitStreamingDiagnostics.MeterName, PerfKitStreamingDiagnostics.Instruments.Bytes);
        using var records = new MetricCollector<long>(null, PerfKitStreamingDiagnostics.MeterName, PerfKitStreamingDiagnostics.Instruments.Records);
        using var failures = new MetricCollector<long>(null, PerfKitStreamingDiagnostics.MeterName, PerfKitStreamingDiagnostics.Instruments.Failures);
        using var inFlight = new MetricCollector<long>(null, PerfKitStreamingDiagnostics.MeterName, PerfKitStreamingDiagnostics.Instruments.BytesInFlight);
        using var queue = new MetricCollector<long>(null, PerfKitStreamingDiagnostics.MeterName, PerfKitStreamingDiagnostics.Instruments.QueueDepth);
        await using var pipeline = new StreamingPipeline<int, int>(
            (i, context) =>
            {
                context.AddRecords(2);
                return i == 3 ? throw new InvalidOperationException("bad") : ValueTask.FromResult(i);
            },
            (_, _) => ValueTask.CompletedTask,
            new StreamingPipelineOptions { Name = name })
        {
            WeightSelector = i => 10,
        };

        await pipeline.RunAsync(Enumerable.Range(0, 10).ToAsyncEnumerable(), cancellationToken: TestContext.Current.CancellationToken);

        static IEnumerable<CollectedMeasurement<long>> Mine(MetricCollector<long> c, string pipeline) =>
            c.GetMeasurementSnapshot().Where(m => m.Tags.TryGetValue(PerfKitStreamingDiagnostics.Tags.Pipeline, out var v) && (string?)v == pipeline);

        Mine(items, name).Where(m => (string?)m.Tags[PerfKitStreamingDiagnostics.Tags.Result] == "success").Sum(m => m.Value).Should().Be(9);
        Mine(items, name).Where(m => (string?)m.Tags[PerfKitStreamingDiagnostics.Tags.Result] == "failure").Sum(m => m.Value).Should().Be(1);
        Mine(bytes, name).Sum(m => m.Value).Should().Be(90);
        Mine(records, name).Sum(m => m.Value).Should().Be(18);
        Mine(failures, name).Should().ContainSingle().Which.Tags[PerfKitStreamingDiagnostics.Tags.Reason].Should().Be(nameof(StreamingFailureKind.ProcessorError));
        Mine(inFlight, name).Sum(m => m.Value).Should().Be(0);
        Mine(inFlight, name).Max(m => m.Value).Should().Be(10);
        Mine(queue, name).Sum(m => m.Value).Should().Be(0);
    }
}
