using Microsoft.Extensions.Logging;

namespace PerfKit.Streaming.Internal;

// PerfKit.Streaming's log messages, event ids 3000–3999: 3000–3499 sources, pipeline, progress and checkpoints (this
// file), 3500–3999 record readers and chunking (Log.Records.cs).
internal static partial class Log
{
    [LoggerMessage(EventId = 3000, EventName = "RunStarted", Level = LogLevel.Information,
        Message = "Pipeline {Pipeline} started with {Degree} workers, {MaxBytesInFlight} bytes and {MaxItemsInFlight} items in flight at most")]
    public static partial void RunStarted(ILogger logger, string pipeline, int degree, long maxBytesInFlight, int maxItemsInFlight);

    [LoggerMessage(EventId = 3001, EventName = "RunFinished", Level = LogLevel.Information,
        Message = "Pipeline {Pipeline} finished (completed {Completed}, cancelled {Cancelled}, stopped {Stopped}): {Succeeded} items succeeded, {Failed} failed, {Skipped} skipped from the checkpoint, {Bytes} bytes in {ElapsedMs} ms")]
    public static partial void RunFinished(ILogger logger, string pipeline, bool completed, bool cancelled, bool stopped, long succeeded, long failed, long skipped, long bytes, double elapsedMs);

    [LoggerMessage(EventId = 3002, EventName = "ItemFailed", Level = LogLevel.Warning,
        Message = "Pipeline {Pipeline}: item {Key} failed ({Kind}, byte {ByteOffset}) after {Attempts} attempts")]
    public static partial void ItemFailed(ILogger logger, Exception? exception, string pipeline, string key, StreamingFailureKind kind, long? byteOffset, int attempts);

    [LoggerMessage(EventId = 3003, EventName = "ItemRetrying", Level = LogLevel.Information,
        Message = "Pipeline {Pipeline}: item {Key} failed on attempt {Attempt}; retrying in {DelayMs} ms")]
    public static partial void ItemRetrying(ILogger logger, Exception exception, string pipeline, string key, int attempt, double delayMs);

    [LoggerMessage(EventId = 3004, EventName = "Resumed", Level = LogLevel.Information,
        Message = "Pipeline {Pipeline} resumes from its checkpoint: {LowWaterMark} items done, {CompletedAbove} more done above them")]
    public static partial void Resumed(ILogger logger, string pipeline, long lowWaterMark, int completedAbove);

    [LoggerMessage(EventId = 3005, EventName = "CheckpointFailed", Level = LogLevel.Error,
        Message = "Pipeline {Pipeline} could not write its checkpoint; the run goes on and tries again with the next batch")]
    public static partial void CheckpointFailed(ILogger logger, Exception exception, string pipeline);

    [LoggerMessage(EventId = 3006, EventName = "SinkFailed", Level = LogLevel.Error,
        Message = "Pipeline {Pipeline}: a sink failed on a batch of {Count} items; the run stops and the batch stays undone in the checkpoint")]
    public static partial void SinkFailed(ILogger logger, Exception exception, string pipeline, int count);

    [LoggerMessage(EventId = 3007, EventName = "ProgressObserverFailed", Level = LogLevel.Warning,
        Message = "Pipeline {Pipeline}: the progress observer threw; progress reports go on")]
    public static partial void ProgressObserverFailed(ILogger logger, Exception exception, string pipeline);
}
