namespace PerfKit.Streaming.Records;

/// <summary>The length prefix of <see cref="RecordFraming.LengthPrefixed"/> records: it counts the payload bytes that follow it, not itself.</summary>
public enum LengthPrefixFormat
{
    /// <summary>A 4-byte signed little-endian length (a negative length is reported as <see cref="RecordErrorKind.Truncated"/>).</summary>
    Int32LittleEndian = 0,

    /// <summary>A 4-byte signed big-endian length ("network order"; a negative length is reported as <see cref="RecordErrorKind.Truncated"/>).</summary>
    Int32BigEndian = 1,
}
