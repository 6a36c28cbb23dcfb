namespace PerfKit.Streaming.Records;

/// <summary>How a <see cref="RecordReader"/> finds where one record ends and the next begins.</summary>
public enum RecordFraming
{
    /// <summary>
    /// Lines: a record ends at <c>\n</c>; a <c>\r</c> just before it is dropped (so <c>\r\n</c> works too); a lone
    /// <c>\r</c> elsewhere is data; a final line without a newline is a record; an empty input has no records.
    /// </summary>
    Lines = 0,

    /// <summary>Records end at <see cref="RecordReaderOptions.Delimiter"/> (one or more bytes); a final record without a delimiter is a record.</summary>
    Delimited = 1,

    /// <summary>Each record is a length prefix (see <see cref="RecordReaderOptions.LengthPrefix"/>) followed by that many bytes of payload.</summary>
    LengthPrefixed = 2,
}
