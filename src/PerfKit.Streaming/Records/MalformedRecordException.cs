namespace PerfKit.Streaming.Records;

/// <summary>
/// Thrown by a record reader when the input holds a record it cannot hand over. Carries the byte position from the
/// start of the input (or of the file, for a chunk of a file), so that the pipeline's failure report can name it.
/// </summary>
public sealed class MalformedRecordException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind">Why the record could not be read.</param>
    /// <param name="byteOffset">The byte position of the problem (for invalid UTF-8, of the first invalid byte; otherwise of the record's first byte).</param>
    /// <param name="recordNumber">The 1-based number of the record within the input (for a chunk, within the chunk).</param>
    /// <param name="message">What is wrong, in words.</param>
    public MalformedRecordException(RecordErrorKind kind, long byteOffset, long recordNumber, string message)
        : base(message)
    {
        Kind = kind;
        ByteOffset = byteOffset;
        RecordNumber = recordNumber;
    }

    /// <summary>Why the record could not be read.</summary>
    public RecordErrorKind Kind { get; }

    /// <summary>The byte position of the problem from the start of the input.</summary>
    public long ByteOffset { get; }

    /// <summary>The 1-based number of the record within the input.</summary>
    public long RecordNumber { get; }
}
