using PerfKit.Streaming.Records;

namespace PerfKit.Streaming;

/// <summary>One failed item in a <see cref="StreamingReport"/>: which item, where in it, and why.</summary>
public sealed class StreamingFailure
{
    internal StreamingFailure(long sequence, string key, string? path, StreamingFailureKind kind, string message, string? exceptionType, long? byteOffset, long? recordNumber, RecordErrorKind? recordErrorKind, int attempts)
    {
        Sequence = sequence;
        Key = key;
        Path = path;
        Kind = kind;
        Message = message;
        ExceptionType = exceptionType;
        ByteOffset = byteOffset;
        RecordNumber = recordNumber;
        RecordErrorKind = recordErrorKind;
        Attempts = attempts;
    }

    /// <summary>The item's 0-based position in the source.</summary>
    public long Sequence { get; }

    /// <summary>The item's key (for a file, its path relative to the source's root).</summary>
    public string Key { get; }

    /// <summary>The file's full path, for a <see cref="FileItem"/>; otherwise null.</summary>
    public string? Path { get; }

    /// <summary>Why the item failed.</summary>
    public StreamingFailureKind Kind { get; }

    /// <summary>The error's message.</summary>
    public string Message { get; }

    /// <summary>The full name of the exception's type, when one was thrown.</summary>
    public string? ExceptionType { get; }

    /// <summary>
    /// The byte position of the problem in the item, when known: a <see cref="MalformedRecordException.ByteOffset"/>,
    /// the position of the stream opened with <see cref="StreamingItemContext.OpenRead"/> when reading failed, or a
    /// position the processor set with <see cref="StreamingItemContext.ByteOffset"/>.
    /// </summary>
    public long? ByteOffset { get; }

    /// <summary>The 1-based record number of a <see cref="MalformedRecordException"/>; otherwise null.</summary>
    public long? RecordNumber { get; }

    /// <summary>The <see cref="MalformedRecordException.Kind"/>, for <see cref="StreamingFailureKind.MalformedRecord"/>.</summary>
    public RecordErrorKind? RecordErrorKind { get; }

    /// <summary>How many times the item was tried.</summary>
    public int Attempts { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Key}: {Kind}{(ByteOffset is { } o ? $" at byte {o}" : string.Empty)}{(RecordNumber is { } r ? $" (record {r})" : string.Empty)}: {Message}";
}
