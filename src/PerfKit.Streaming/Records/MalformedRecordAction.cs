namespace PerfKit.Streaming.Records;

/// <summary>What a <see cref="RecordReader"/> does with a record it cannot hand over.</summary>
public enum MalformedRecordAction
{
    /// <summary>Throw a <see cref="MalformedRecordException"/>: the input cannot be read further.</summary>
    Throw = 0,

    /// <summary>
    /// Skip the record and go on with the next one: a record longer than <see cref="RecordReaderOptions.MaxRecordLength"/>
    /// (its bytes are discarded as they arrive, never buffered whole) and, where the reader checks or decodes UTF-8, a
    /// record that is not valid UTF-8. Each skipped record is counted in <see cref="RecordReader.SkippedRecords"/>, passed
    /// to <see cref="RecordReader.RecordSkipped"/> and logged. A truncated frame at the end of the input is always thrown:
    /// nothing follows it.
    /// </summary>
    Skip = 1,
}
