using Microsoft.Extensions.Logging;
using PerfKit.Streaming.Records;

namespace PerfKit.Streaming.Internal;

// Record readers and chunking: event ids 3500–3999.
internal static partial class Log
{
    [LoggerMessage(EventId = 3500, EventName = "RecordSkipped", Level = LogLevel.Warning,
        Message = "Skipped record {RecordNumber} at byte {ByteOffset}: {Kind}.")]
    public static partial void RecordSkipped(ILogger logger, long recordNumber, long byteOffset, RecordErrorKind kind);
}
