namespace PerfKit.Streaming.Records;

/// <summary>Why a record could not be read.</summary>
public enum RecordErrorKind
{
    /// <summary>The record is longer than the reader's maximum record length.</summary>
    RecordTooLong = 0,

    /// <summary>The record is not valid UTF-8 (only when the reader decodes text).</summary>
    InvalidUtf8 = 1,

    /// <summary>A frame or record is cut off by the end of the input, or a length prefix is invalid.</summary>
    Truncated = 2,
}
