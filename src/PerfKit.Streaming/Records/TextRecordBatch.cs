using System.ComponentModel;
using System.Text.Unicode;

namespace PerfKit.Streaming.Records;

/// <summary>
/// The records of a <see cref="RecordBatch"/> decoded from UTF-8 into a reusable char buffer of the reader
/// (<see cref="RecordBatch.AsText"/>): no allocation per record. A record that is not valid UTF-8 is a
/// <see cref="RecordErrorKind.InvalidUtf8"/> error whose byte position is that of its first invalid byte.
/// </summary>
public ref struct TextRecordBatch
{
    private readonly RecordReader _reader;
    private RecordBatch _bytes;

    internal TextRecordBatch(RecordBatch bytes, RecordReader reader)
    {
        _bytes = bytes;
        _reader = reader;
    }

    /// <summary>The current record as chars, valid until the next <see cref="MoveNext"/>.</summary>
    public ReadOnlySpan<char> Current { readonly get; private set; }

    /// <summary>The byte position of the current record's first byte from the start of the input.</summary>
    public readonly long CurrentOffset => _bytes.CurrentOffset;

    /// <summary>The 1-based number of the current record within the input.</summary>
    public readonly long CurrentNumber => _bytes.CurrentNumber;

    /// <summary>Returns this batch, so that <c>foreach</c> enumerates it.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public readonly TextRecordBatch GetEnumerator() => this;

    /// <summary>Moves to the next record and decodes it.</summary>
    /// <returns><see langword="false"/> when the batch holds no further complete record.</returns>
    /// <exception cref="MalformedRecordException">The record is not valid UTF-8 or too long (under <see cref="MalformedRecordAction.Throw"/>), or truncated.</exception>
    public bool MoveNext()
    {
        while (_bytes.MoveNext())
        {
            var bytes = _bytes.Current;
            var chars = _reader.CharBuffer(bytes.Length);
            if (Utf8.ToUtf16(bytes, chars, out var read, out var written, replaceInvalidSequences: false) == System.Buffers.OperationStatus.Done)
            {
                Current = chars[..written];
                return true;
            }

            _reader.Malformed(RecordErrorKind.InvalidUtf8, _bytes.CurrentOffset + read, _bytes.CurrentNumber, bytes.Length);
        }

        Current = default;
        return false;
    }
}
