using System.Text;
using System.Text.Json;

namespace PerfKit.Streaming;

/// <summary>
/// What a pipeline run did, returned by <see cref="StreamingPipeline{TItem, TResult}.RunAsync"/>: counts, whether it
/// finished, stopped or was cancelled, and the failures. The list is bounded: it keeps the first
/// <see cref="StreamingPipelineOptions.MaxReportedFailures"/> failures and counts the rest in <see cref="FailuresNotListed"/>.
/// </summary>
public sealed class StreamingReport
{
    internal StreamingReport(
        string pipeline, long itemsSucceeded, long itemsFailed, long itemsSkipped, long bytes, long records, TimeSpan elapsed,
        bool completed, bool cancelled, bool stopped, bool aborted, IReadOnlyList<StreamingFailure> failures, long failuresNotListed, long? resumedAt)
    {
        Pipeline = pipeline;
        ItemsSucceeded = itemsSucceeded;
        ItemsFailed = itemsFailed;
        ItemsSkipped = itemsSkipped;
        Bytes = bytes;
        Records = records;
        Elapsed = elapsed;
        Completed = completed;
        Cancelled = cancelled;
        Stopped = stopped;
        Aborted = aborted;
        Failures = failures;
        FailuresNotListed = failuresNotListed;
        ResumedAt = resumedAt;
    }

    /// <summary>The pipeline's <see cref="StreamingPipelineOptions.Name"/>.</summary>
    public string Pipeline { get; }

    /// <summary>Items processed and written by the sinks in this run.</summary>
    public long ItemsSucceeded { get; }

    /// <summary>Items that failed in this run (listed in <see cref="Failures"/> up to the bound).</summary>
    public long ItemsFailed { get; }

    /// <summary>Items skipped because the checkpoint of an earlier run recorded them as done.</summary>
    public long ItemsSkipped { get; }

    /// <summary>The weight (for files, the bytes) of the items that succeeded.</summary>
    public long Bytes { get; }

    /// <summary>Records counted by the processor for the items that succeeded.</summary>
    public long Records { get; }

    /// <summary>How long the run took, on the pipeline's <see cref="TimeProvider"/>.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>True when the whole source was read and every item finished: nothing is left for a resumed run.</summary>
    public bool Completed { get; }

    /// <summary>True when the run's token was cancelled: no item started after it, the started items were drained into the sinks, and a final checkpoint written.</summary>
    public bool Cancelled { get; }

    /// <summary>True when an item failed under <see cref="ItemErrorPolicy.Stop"/>.</summary>
    public bool Stopped { get; }

    /// <summary>
    /// True when the pipeline was disposed during the run (a hard stop): the processors' and sinks' tokens were
    /// cancelled and the unfinished items stay undone in the checkpoint.
    /// </summary>
    public bool Aborted { get; }

    /// <summary>The first <see cref="StreamingPipelineOptions.MaxReportedFailures"/> failures, in the order they happened.</summary>
    public IReadOnlyList<StreamingFailure> Failures { get; }

    /// <summary>Failures beyond the bound, counted but not listed.</summary>
    public long FailuresNotListed { get; }

    /// <summary>The checkpoint's low-water mark (items of the source known to be done before this run) when the run resumed; otherwise null.</summary>
    public long? ResumedAt { get; }

    /// <summary>The report as indented JSON (camelCase names; the failure list is bounded and <c>failuresNotListed</c> says how many were left out).</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("pipeline", Pipeline);
            json.WriteBoolean("completed", Completed);
            json.WriteBoolean("cancelled", Cancelled);
            json.WriteBoolean("stopped", Stopped);
            json.WriteBoolean("aborted", Aborted);
            json.WriteNumber("itemsSucceeded", ItemsSucceeded);
            json.WriteNumber("itemsFailed", ItemsFailed);
            json.WriteNumber("itemsSkipped", ItemsSkipped);
            json.WriteNumber("bytes", Bytes);
            json.WriteNumber("records", Records);
            json.WriteNumber("elapsedSeconds", Elapsed.TotalSeconds);
            if (ResumedAt is { } resumedAt)
            {
                json.WriteNumber("resumedAt", resumedAt);
            }

            json.WriteNumber("failuresNotListed", FailuresNotListed);
            json.WriteStartArray("failures");
            foreach (var f in Failures)
            {
                json.WriteStartObject();
                json.WriteNumber("sequence", f.Sequence);
                json.WriteString("key", f.Key);
                if (f.Path is not null)
                {
                    json.WriteString("path", f.Path);
                }

                json.WriteString("kind", f.Kind.ToString());
                if (f.ByteOffset is { } offset)
                {
                    json.WriteNumber("byteOffset", offset);
                }

                if (f.RecordNumber is { } record)
                {
                    json.WriteNumber("recordNumber", record);
                }

                if (f.RecordErrorKind is { } recordKind)
                {
                    json.WriteString("recordErrorKind", recordKind.ToString());
                }

                if (f.ExceptionType is not null)
                {
                    json.WriteString("exceptionType", f.ExceptionType);
                }

                json.WriteString("message", f.Message);
                json.WriteNumber("attempts", f.Attempts);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
