namespace PerfKit.Streaming;

/// <summary>A progress report of a pipeline run, sent at most once per <see cref="StreamingPipelineOptions.ProgressInterval"/> and once at the end.</summary>
public sealed class StreamingProgress
{
    /// <summary>Items finished in this run: processed and written by the sinks, or failed.</summary>
    public long ItemsDone { get; init; }

    /// <summary>Items skipped because a checkpoint of an earlier run recorded them as done.</summary>
    public long ItemsSkipped { get; init; }

    /// <summary>
    /// The items of the source, when counted (<see cref="StreamingPipelineOptions.CountTotals"/>); otherwise null.
    /// While <see cref="IsCounting"/>, the items counted so far.
    /// </summary>
    public long? ItemsTotal { get; init; }

    /// <summary>The weight (for files, the bytes) of the items done in this run.</summary>
    public long BytesDone { get; init; }

    /// <summary>The weight of the source's items, when counted; otherwise null. While <see cref="IsCounting"/>, the weight counted so far.</summary>
    public long? BytesTotal { get; init; }

    /// <summary>Records counted by the processor with <see cref="StreamingItemContext.AddRecords"/>.</summary>
    public long Records { get; init; }

    /// <summary>Items that failed.</summary>
    public long Failures { get; init; }

    /// <summary>Items admitted and not yet written by the sinks.</summary>
    public long ItemsInFlight { get; init; }

    /// <summary>Their weight (bytes).</summary>
    public long BytesInFlight { get; init; }

    /// <summary>Time since the run started, on the pipeline's <see cref="TimeProvider"/>.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>
    /// True while the source is being counted (<see cref="StreamingPipelineOptions.CountTotals"/>), before any item is
    /// processed: <see cref="ItemsTotal"/> and <see cref="BytesTotal"/> then hold the counts so far.
    /// </summary>
    public bool IsCounting { get; init; }

    /// <summary>Bytes done per second since the processing started (the counting of <see cref="StreamingPipelineOptions.CountTotals"/> excluded).</summary>
    public double BytesPerSecond { get; init; }

    /// <summary>Items done per second since the processing started (the counting excluded).</summary>
    public double ItemsPerSecond { get; init; }

    /// <summary>The estimated time left, when the totals are known and the rate is not zero; otherwise null.</summary>
    public TimeSpan? EstimatedRemaining { get; init; }

    /// <summary>True for the last report of a run.</summary>
    public bool IsFinal { get; init; }
}
