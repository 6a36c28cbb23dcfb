namespace PerfKit.Streaming;

/// <summary>
/// The options of a <see cref="StreamingPipeline{TItem, TResult}"/>: parallelism, the bounds on what is in flight,
/// batching to the sinks, the error policy, progress and checkpoints. Validated when the pipeline is created (and at
/// host start with DI); every failure names the option and its value.
/// </summary>
public sealed class StreamingPipelineOptions
{
    /// <summary>The default of <see cref="Name"/>.</summary>
    public const string DefaultName = "default";

    /// <summary>The default of <see cref="MaxBytesInFlight"/>: 64 MiB.</summary>
    public const long DefaultMaxBytesInFlight = 64L << 20;

    /// <summary>The default of <see cref="MaxItemsInFlight"/>.</summary>
    public const int DefaultMaxItemsInFlight = 256;

    /// <summary>The default of <see cref="BatchSize"/>.</summary>
    public const int DefaultBatchSize = 100;

    /// <summary>The default of <see cref="BatchBytes"/>: 16 MiB.</summary>
    public const long DefaultBatchBytes = 16L << 20;

    /// <summary>The default of <see cref="MaxRetries"/>.</summary>
    public const int DefaultMaxRetries = 3;

    /// <summary>The largest <see cref="MaxRetries"/>.</summary>
    public const int MaximumMaxRetries = 100;

    /// <summary>The default of <see cref="MaxReportedFailures"/>.</summary>
    public const int DefaultMaxReportedFailures = 1000;

    /// <summary>The default of <see cref="BatchInterval"/>: 1 second.</summary>
    public static readonly TimeSpan DefaultBatchInterval = TimeSpan.FromSeconds(1);

    /// <summary>The default of <see cref="RetryDelay"/>: 200 ms.</summary>
    public static readonly TimeSpan DefaultRetryDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>The default of <see cref="ProgressInterval"/>: 100 ms (at most 10 reports a second).</summary>
    public static readonly TimeSpan DefaultProgressInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The pipeline's name: the <c>perfkit.streaming.pipeline</c> tag of its telemetry and the name in its logs. Default <see cref="DefaultName"/>.</summary>
    public string Name { get; set; } = DefaultName;

    /// <summary>How many items are processed at once; default <see cref="Environment.ProcessorCount"/>.</summary>
    public int MaxDegreeOfParallelism { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// The bound on the weight (for files, their length in bytes) of the items admitted and not yet written by the
    /// sinks, across the whole pipeline: the source waits while it is reached. An item heavier than the bound is
    /// admitted alone, when nothing else is in flight. Default <see cref="DefaultMaxBytesInFlight"/>.
    /// </summary>
    public long MaxBytesInFlight { get; set; } = DefaultMaxBytesInFlight;

    /// <summary>
    /// The window of items, in the source's order, that may be in flight or done ahead of the oldest unfinished one;
    /// it bounds the set of completed items a checkpoint records and the reorder buffer of <see cref="PreserveOrder"/>.
    /// Default <see cref="DefaultMaxItemsInFlight"/>.
    /// </summary>
    public int MaxItemsInFlight { get; set; } = DefaultMaxItemsInFlight;

    /// <summary>
    /// The heaviest item the pipeline processes; a heavier one fails with <see cref="StreamingFailureKind.TooLarge"/>
    /// without being processed. 0 (the default) means no limit. Must not exceed <see cref="MaxBytesInFlight"/>.
    /// </summary>
    public long MaxItemBytes { get; set; }

    /// <summary>The most items in one call of a sink. Default <see cref="DefaultBatchSize"/>.</summary>
    public int BatchSize { get; set; } = DefaultBatchSize;

    /// <summary>A batch is written once its items weigh this much. Default <see cref="DefaultBatchBytes"/>.</summary>
    public long BatchBytes { get; set; } = DefaultBatchBytes;

    /// <summary>A batch that is not full is written this long after its first item arrived (on the <see cref="TimeProvider"/>). Default <see cref="DefaultBatchInterval"/>.</summary>
    public TimeSpan BatchInterval { get; set; } = DefaultBatchInterval;

    /// <summary>When true, the sinks see the results in the source's order; otherwise in completion order (the default).</summary>
    public bool PreserveOrder { get; set; }

    /// <summary>What a failed item does to the run. Default <see cref="ItemErrorPolicy.Skip"/>.</summary>
    public ItemErrorPolicy ErrorPolicy { get; set; } = ItemErrorPolicy.Skip;

    /// <summary>With <see cref="ItemErrorPolicy.Retry"/>, how many times a failed item is tried again. Default <see cref="DefaultMaxRetries"/>.</summary>
    public int MaxRetries { get; set; } = DefaultMaxRetries;

    /// <summary>With <see cref="ItemErrorPolicy.Retry"/>, the delay before the first retry; it doubles for each further one. Default <see cref="DefaultRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = DefaultRetryDelay;

    /// <summary>How many failures the <see cref="StreamingReport"/> lists; the rest are counted in <see cref="StreamingReport.FailuresNotListed"/>. Default <see cref="DefaultMaxReportedFailures"/>.</summary>
    public int MaxReportedFailures { get; set; } = DefaultMaxReportedFailures;

    /// <summary>The least time between two progress reports (the final one is always sent). Default <see cref="DefaultProgressInterval"/>.</summary>
    public TimeSpan ProgressInterval { get; set; } = DefaultProgressInterval;

    /// <summary>When true, the source is enumerated once before the run to count the items and their weight, so that progress has totals and an ETA. Only for sources that can be enumerated twice (a <see cref="DirectorySource"/> can). Default false.</summary>
    public bool CountTotals { get; set; }

    /// <summary>
    /// Where the checkpoint file is written (by a <see cref="FileCheckpointStore"/>), so a killed or cancelled run
    /// resumes; null (the default) for no checkpoints unless <see cref="PerfKitStreamingDependencies.CheckpointStore"/> is set.
    /// Its folder must exist and be writable.
    /// </summary>
    public string? CheckpointPath { get; set; }

    /// <summary>The least time between two checkpoints; <see cref="TimeSpan.Zero"/> (the default) writes one after every batch, which bounds what a crash repeats to one batch.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.Zero;
}
