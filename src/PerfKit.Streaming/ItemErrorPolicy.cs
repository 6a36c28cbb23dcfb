namespace PerfKit.Streaming;

/// <summary>What a failed item does to a pipeline run.</summary>
public enum ItemErrorPolicy
{
    /// <summary>The item is recorded in the failure report and the run goes on.</summary>
    Skip = 0,

    /// <summary>
    /// The item is tried again after <see cref="StreamingPipelineOptions.RetryDelay"/>, doubling each time, up to
    /// <see cref="StreamingPipelineOptions.MaxRetries"/> times; then it is recorded and skipped. Failures that cannot
    /// heal (malformed input, a missing file, access denied) are not retried.
    /// </summary>
    Retry = 1,

    /// <summary>The run stops admitting items, drains what is in flight, writes a final checkpoint (without the failed item, so a resumed run tries it again) and returns.</summary>
    Stop = 2,
}
