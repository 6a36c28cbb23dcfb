namespace PerfKit.Streaming;

/// <summary>
/// Where a run stands in its source, as an <see cref="ICheckpointStore"/> keeps it: every item before
/// <see cref="LowWaterMark"/> is done, and so are the items of <see cref="CompletedAbove"/> (at most
/// <see cref="StreamingPipelineOptions.MaxItemsInFlight"/> of them, as workers finish out of order).
/// </summary>
public sealed class StreamingCheckpoint
{
    /// <summary>Creates a checkpoint.</summary>
    /// <param name="lowWaterMark">The number of leading items of the source that are done.</param>
    /// <param name="lowWaterKey">The key of the item just before the mark (checked on resume, so that a changed source is an error rather than a silent skip); null when the mark is 0.</param>
    /// <param name="completedAbove">Items at or after the mark that are done: position and key.</param>
    /// <param name="finished">True when the run that wrote it read the whole source and finished every item.</param>
    public StreamingCheckpoint(long lowWaterMark, string? lowWaterKey, IReadOnlyList<KeyValuePair<long, string>> completedAbove, bool finished)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lowWaterMark);
        ArgumentNullException.ThrowIfNull(completedAbove);
        LowWaterMark = lowWaterMark;
        LowWaterKey = lowWaterKey;
        CompletedAbove = completedAbove;
        Finished = finished;
    }

    /// <summary>The number of leading items of the source that are done.</summary>
    public long LowWaterMark { get; }

    /// <summary>The key of item <c>LowWaterMark - 1</c>; null when the mark is 0.</summary>
    public string? LowWaterKey { get; }

    /// <summary>Items at or after the mark that are done: 0-based position and key.</summary>
    public IReadOnlyList<KeyValuePair<long, string>> CompletedAbove { get; }

    /// <summary>True when the run that wrote it read the whole source and finished every item.</summary>
    public bool Finished { get; }
}
