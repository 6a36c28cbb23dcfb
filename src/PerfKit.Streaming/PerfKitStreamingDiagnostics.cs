namespace PerfKit.Streaming;

/// <summary>
/// The names under which PerfKit.Streaming publishes its telemetry, for use with OpenTelemetry's
/// <c>AddMeter</c>/<c>AddSource</c> or a <see cref="System.Diagnostics.Metrics.MeterListener"/>.
/// </summary>
public static partial class PerfKitStreamingDiagnostics
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> that PerfKit.Streaming creates: the package id.</summary>
    public const string MeterName = "PerfKit.Streaming";

    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> that PerfKit.Streaming creates: the package id.</summary>
    public const string ActivitySourceName = "PerfKit.Streaming";

    /// <summary>The names of the instruments PerfKit.Streaming publishes (lower-case, dotted, <c>perfkit.streaming.*</c>).</summary>
    public static partial class Instruments
    {
        /// <summary>Counter of items finished by pipelines, by <see cref="Tags.Pipeline"/> and <see cref="Tags.Result"/> (<c>success</c>, <c>failure</c>, <c>skipped</c> for items a checkpoint recorded as done).</summary>
        public const string Items = "perfkit.streaming.items";

        /// <summary>Counter of the weight (for files, bytes) of the items that succeeded, by pipeline.</summary>
        public const string Bytes = "perfkit.streaming.bytes";

        /// <summary>Counter of records counted by processors (<see cref="StreamingItemContext.AddRecords"/>) for items that succeeded, by pipeline.</summary>
        public const string Records = "perfkit.streaming.records";

        /// <summary>Counter of failed items, by pipeline and <see cref="Tags.Reason"/> (a <see cref="StreamingFailureKind"/> name).</summary>
        public const string Failures = "perfkit.streaming.failures";

        /// <summary>Counter of retries under <see cref="ItemErrorPolicy.Retry"/>, by pipeline.</summary>
        public const string Retries = "perfkit.streaming.retries";

        /// <summary>Up-down counter of the weight (bytes) admitted and not yet written by the sinks, by pipeline.</summary>
        public const string BytesInFlight = "perfkit.streaming.inflight.bytes";

        /// <summary>Up-down counter of the items admitted and not yet written by the sinks, by pipeline.</summary>
        public const string ItemsInFlight = "perfkit.streaming.inflight.items";

        /// <summary>Up-down counter of the items waiting in a queue, by pipeline and <see cref="Tags.Queue"/> (<c>work</c>: for a worker; <c>sink</c>: processed, for the sinks).</summary>
        public const string QueueDepth = "perfkit.streaming.queue.depth";

        /// <summary>Counter of checkpoints written, by pipeline.</summary>
        public const string Checkpoints = "perfkit.streaming.checkpoints";

        /// <summary>Counter of batches written to the sinks, by pipeline.</summary>
        public const string Batches = "perfkit.streaming.batches";
    }

    /// <summary>The names of the tags on PerfKit.Streaming's instruments.</summary>
    public static partial class Tags
    {
        /// <summary>The pipeline's <see cref="StreamingPipelineOptions.Name"/>.</summary>
        public const string Pipeline = "perfkit.streaming.pipeline";

        /// <summary>An item's result: <c>success</c>, <c>failure</c>, <c>skipped</c>.</summary>
        public const string Result = "result";

        /// <summary>Why an item failed: a <see cref="StreamingFailureKind"/> name.</summary>
        public const string Reason = "reason";

        /// <summary>Which queue: <c>work</c> or <c>sink</c>.</summary>
        public const string Queue = "perfkit.streaming.queue";
    }
}
