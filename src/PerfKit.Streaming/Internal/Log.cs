namespace PerfKit.Streaming.Internal;

// PerfKit.Streaming's log messages, event ids 3000–3999: 3000–3499 sources, pipeline, progress and checkpoints (this
// file), 3500–3999 record readers and chunking (Log.Records.cs).
internal static partial class Log
{
}
