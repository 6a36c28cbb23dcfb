using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace PerfKit.Streaming.Records;

/// <summary>
/// The complete records of one buffer of a <see cref="RecordReader"/> (<see cref="RecordReader.Current"/>), enumerated
/// in place: <c>foreach (var record in reader.Current)</c>, or <see cref="MoveNext"/> with <see cref="Current"/>,
/// <see cref="CurrentOffset"/> and <see cref="CurrentNumber"/>. A <c>ref struct</c>: it cannot live across an
/// <c>await</c>, so a record's span cannot outlive the buffer it points into.
/// </summary>
/// <remarks>
/// <see cref="Current"/> is valid until the next <see cref="MoveNext"/>: copy what you keep. Each record is checked
/// against the reader's maximum length (and UTF-8, when asked) before it is handed over.
/// </remarks>
public ref struct RecordBatch
{
    // The fast path works on one contiguous span of the pipe's buffer; everything else is the reader's ReadSlow.
    internal ReadOnlySpan<byte> Span;
    internal long SpanOffset;
    internal int Position;
    private readonly RecordReader _reader;
    private readonly ReadOnlySpan<byte> _delimiter;
    private readonly byte _delimiterByte;
    private readonly bool _singleByte;
    private readonly bool _trimCarriageReturn;
    private readonly bool _fast;
    private readonly bool _check;
    private readonly int _maxLength;

    internal RecordBatch(RecordReader reader)
    {
        _reader = reader;
        _delimiter = reader.Delimiter;
        _singleByte = _delimiter.Length == 1;
        _delimiterByte = _singleByte ? _delimiter[0] : (byte)0;
        _trimCarriageReturn = reader.TrimCarriageReturn;
        _fast = !reader.IsFramed;
        _check = reader.ValidateUtf8;
        _maxLength = reader.MaxRecordLength;
    }

    /// <summary>The current record, without its delimiter (and without the <c>\r</c> of a <c>\r\n</c> line end) or length prefix.</summary>
    public ReadOnlySpan<byte> Current { readonly get; internal set; }

    /// <summary>The byte position of the current record's first byte from the start of the input (of the file, for a chunk).</summary>
    public long CurrentOffset { readonly get; internal set; }

    /// <summary>The 1-based number of the current record within the input (within the chunk, for a chunk); skipped records are counted.</summary>
    public readonly long CurrentNumber => _reader.RecordNumber;

    /// <summary>Returns this batch, so that <c>foreach</c> enumerates it.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public readonly RecordBatch GetEnumerator() => this;

    /// <summary>The same records decoded from UTF-8 into chars; invalid UTF-8 is reported with its byte position.</summary>
    public readonly TextRecordBatch AsText() => new(this, _reader);

    /// <summary>Moves to the next record of the batch.</summary>
    /// <returns><see langword="false"/> when the batch holds no further complete record.</returns>
    /// <exception cref="MalformedRecordException">The record is too long or not valid UTF-8 (under <see cref="MalformedRecordAction.Throw"/>), or truncated.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool MoveNext()
    {
        // The common case, inlined into the caller's loop: the next delimiter is in the current span and the record
        // needs no check beyond its length. Everything else (UTF-8 checks, limits, segment ends, frames) is MoveNextSlow.
        if (_fast && !_check)
        {
            var rest = Span[Position..];
            var i = _singleByte ? rest.IndexOf(_delimiterByte) : rest.IndexOf(_delimiter);
            if (i >= 0)
            {
                var record = rest[..i];
                if (_trimCarriageReturn && i > 0 && record[i - 1] == (byte)'\r')
                {
                    record = record[..(i - 1)];
                }

                if (record.Length <= _maxLength)
                {
                    var reader = _reader;
                    CurrentOffset = SpanOffset + Position;
                    Position += i + _delimiter.Length;
                    reader.Consumed = SpanOffset + Position;
                    reader.RecordNumber++;
                    Current = record;
                    return true;
                }
            }
        }

        return MoveNextSlow();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool MoveNextSlow()
    {
        var reader = _reader;
        if (reader is null)
        {
            return false; // default(RecordBatch): no records
        }

        while (true)
        {
            if (_fast)
            {
                var rest = Span[Position..];
                var i = _singleByte ? rest.IndexOf(_delimiterByte) : rest.IndexOf(_delimiter);
                if (i >= 0)
                {
                    var record = rest[..i];
                    if (_trimCarriageReturn && i > 0 && record[i - 1] == (byte)'\r')
                    {
                        record = record[..(i - 1)];
                    }

                    var offset = SpanOffset + Position;
                    Position += i + _delimiter.Length;
                    reader.Consumed = SpanOffset + Position;
                    var number = ++reader.RecordNumber;
                    if (reader.Accept(record, offset, number))
                    {
                        Current = record;
                        CurrentOffset = offset;
                        return true;
                    }

                    continue;
                }
            }

            switch (reader.ReadSlow(ref this))
            {
                case RecordReader.SlowResult.Record:
                    return true;
                case RecordReader.SlowResult.End:
                    Current = default;
                    return false;
                default:
                    continue;
            }
        }
    }
}
