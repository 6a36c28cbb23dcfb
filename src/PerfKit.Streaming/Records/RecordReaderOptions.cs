namespace PerfKit.Streaming.Records;

/// <summary>Options of a <see cref="RecordReader"/> and of <see cref="FileChunker"/>.</summary>
public sealed class RecordReaderOptions
{
    /// <summary>The default of <see cref="MaxRecordLength"/>: 1 MiB.</summary>
    public const int DefaultMaxRecordLength = 1 << 20;

    /// <summary>The largest <see cref="MaxRecordLength"/>: 1 GiB (a record is handed over as one span, so it must fit in one array).</summary>
    public const int MaximumMaxRecordLength = 1 << 30;

    /// <summary>The default of <see cref="BufferSize"/>: 64 KiB.</summary>
    public const int DefaultBufferSize = 64 * 1024;

    /// <summary>The largest <see cref="BufferSize"/>: 16 MiB.</summary>
    public const int MaximumBufferSize = 16 << 20;

    /// <summary>The longest <see cref="Delimiter"/>, in UTF-8 bytes.</summary>
    public const int MaximumDelimiterLength = 16;

    /// <summary>How records are separated. Default: <see cref="RecordFraming.Lines"/>.</summary>
    public RecordFraming Framing { get; set; } = RecordFraming.Lines;

    /// <summary>
    /// The record delimiter of <see cref="RecordFraming.Delimited"/> (required there, ignored otherwise), as text that is
    /// encoded to UTF-8: one byte (<c>"\u001e"</c>, <c>"|"</c>) or several (<c>"\r\n"</c>, <c>"&lt;EOR&gt;"</c>), at most
    /// <see cref="MaximumDelimiterLength"/> bytes. The delimiter is not part of the record.
    /// </summary>
    public string? Delimiter { get; set; }

    /// <summary>The length prefix of <see cref="RecordFraming.LengthPrefixed"/>. Default: <see cref="LengthPrefixFormat.Int32LittleEndian"/>.</summary>
    public LengthPrefixFormat LengthPrefix { get; set; } = LengthPrefixFormat.Int32LittleEndian;

    /// <summary>
    /// The longest record handed over, in bytes, without its delimiter or length prefix (default
    /// <see cref="DefaultMaxRecordLength"/>, at most <see cref="MaximumMaxRecordLength"/>). A longer record is a
    /// <see cref="RecordErrorKind.RecordTooLong"/> error, found as soon as that many bytes have arrived without a
    /// delimiter: the reader never buffers more than about this length plus <see cref="BufferSize"/>.
    /// </summary>
    public int MaxRecordLength { get; set; } = DefaultMaxRecordLength;

    /// <summary>
    /// Whether every record is checked to be valid UTF-8 (a <see cref="RecordErrorKind.InvalidUtf8"/> error names the
    /// byte position of the first invalid byte). Default: <see langword="false"/>. Reading through
    /// <see cref="RecordBatch.AsText"/> always checks, as it decodes.
    /// </summary>
    public bool ValidateUtf8 { get; set; }

    /// <summary>What to do with a record that is too long or not valid UTF-8. Default: <see cref="MalformedRecordAction.Throw"/>.</summary>
    public MalformedRecordAction MalformedRecords { get; set; } = MalformedRecordAction.Throw;

    /// <summary>
    /// The read size of the file and stream readers that <see cref="RecordFile"/> opens, in bytes (default
    /// <see cref="DefaultBufferSize"/>, at most <see cref="MaximumBufferSize"/>). Unused with a <c>PipeReader</c> of your own.
    /// </summary>
    public int BufferSize { get; set; } = DefaultBufferSize;
}
