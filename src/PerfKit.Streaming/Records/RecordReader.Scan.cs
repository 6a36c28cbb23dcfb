using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;
using PerfKit.Streaming.Internal;

namespace PerfKit.Streaming.Records;

// The framing work that is not the per-record fast path (that one is RecordBatch.MoveNext): deciding whether a new
// buffer holds a record, discarding over-long records, records split across segments, the last record, and frames.
public sealed partial class RecordReader
{
    private const int PrefixLength = 4;

    internal enum Step
    {
        Ready,
        NeedMore,
        End,
    }

    internal enum SlowResult
    {
        Record,
        NewSpan,
        End,
    }

    /// <summary>
    /// Whether <paramref name="buffer"/> (which starts at <see cref="_bufferOffset"/>) holds a record after its first
    /// <paramref name="drop"/> bytes, which are discarded (the rest of a skipped over-long record).
    /// </summary>
    private Step Prepare(ReadOnlySequence<byte> buffer, out long drop)
    {
        drop = 0;
        while (true)
        {
            var rest = buffer.Slice(drop);
            var restOffset = _bufferOffset + drop;
            if (_discarding)
            {
                if (IsFramed)
                {
                    var n = Math.Min(rest.Length, _discardUntil - restOffset);
                    drop += n;
                    if (restOffset + n < _discardUntil)
                    {
                        return _final ? Step.End : Step.NeedMore;
                    }

                    _discarding = false;
                    continue;
                }

                var end = FindDelimiter(rest, Math.Max(0, _searched - restOffset));
                if (end < 0)
                {
                    drop += Math.Max(0, rest.Length - (_delimiter.Length - 1));
                    _searched = _bufferOffset + drop;
                    return _final ? Step.End : Step.NeedMore;
                }

                drop += end + _delimiter.Length;
                _discarding = false;
                continue;
            }

            if (rest.IsEmpty)
            {
                return _final ? Step.End : Step.NeedMore;
            }

            if (IsFramed)
            {
                if (rest.Length < PrefixLength)
                {
                    return _final ? throw Truncated(restOffset, RecordNumber + 1, rest.Length) : Step.NeedMore;
                }

                var length = ReadPrefix(rest, restOffset);
                if (length > MaxRecordLength)
                {
                    Malformed(RecordErrorKind.RecordTooLong, restOffset, ++RecordNumber, length);
                    _discarding = true;
                    _discardUntil = restOffset + PrefixLength + length;
                    continue;
                }

                return rest.Length >= PrefixLength + length ? Step.Ready
                    : _final ? throw Truncated(restOffset, RecordNumber + 1, rest.Length)
                    : Step.NeedMore;
            }

            if (FindDelimiter(rest, Math.Max(0, _searched - restOffset)) >= 0 || _final)
            {
                return Step.Ready;
            }

            if (rest.Length > _incompleteLimit)
            {
                // No delimiter within the maximum length: the record is too long whatever follows. Report it now and
                // discard its bytes as they arrive, so that memory stays bounded.
                Malformed(RecordErrorKind.RecordTooLong, restOffset, ++RecordNumber, rest.Length);
                _discarding = true;
                _searched = restOffset + rest.Length - (_delimiter.Length - 1);
                continue;
            }

            _searched = restOffset + Math.Max(0, rest.Length - (_delimiter.Length - 1));
            return Step.NeedMore;
        }
    }

    /// <summary>The next record where the batch's fast path cannot go on: at a segment's end, across segments, the last record, and frames.</summary>
    internal SlowResult ReadSlow(ref RecordBatch batch)
    {
        while (true)
        {
            var rest = _buffer.Slice(Consumed - _bufferOffset);
            if (rest.IsEmpty)
            {
                return Exhausted(ref batch);
            }

            if (IsFramed)
            {
                if (ReadFrame(ref batch, rest))
                {
                    return SlowResult.Record;
                }

                if (_exhausted)
                {
                    return SlowResult.End;
                }

                continue;
            }

            var first = rest.FirstSpan;
            var inFirst = _delimiter.Length == 1 ? first.IndexOf(_delimiter[0]) : first.IndexOf(_delimiter);
            if (inFirst >= 0)
            {
                batch.Span = first;
                batch.SpanOffset = Consumed;
                batch.Position = 0;
                return SlowResult.NewSpan;
            }

            var recordOffset = Consumed;
            long end = rest.IsSingleSegment ? -1 : FindDelimiter(rest, 0);
            ReadOnlySequence<byte> record;
            if (end >= 0)
            {
                record = rest.Slice(0, end);
                Consumed += end + _delimiter.Length;
            }
            else if (_final)
            {
                // The last record, without a delimiter (a lone '\r' at its end is data).
                record = rest;
                Consumed += rest.Length;
            }
            else
            {
                return Exhausted(ref batch);
            }

            var number = ++RecordNumber;
            var trim = end >= 0 && TrimCarriageReturn;
            if (record.Length > MaxRecordLength + (trim ? 1 : 0))
            {
                Malformed(RecordErrorKind.RecordTooLong, recordOffset, number, record.Length);
                continue;
            }

            var span = record.IsSingleSegment ? record.FirstSpan : Copy(record);
            if (trim && span.Length > 0 && span[^1] == (byte)'\r')
            {
                span = span[..^1];
            }

            if (Accept(span, recordOffset, number))
            {
                batch.Current = span;
                batch.CurrentOffset = recordOffset;
                return SlowResult.Record;
            }
        }
    }

    /// <summary>Checks a record found by the fast path or the slow path: its length and, when asked, its UTF-8. False when it was skipped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool Accept(ReadOnlySpan<byte> record, long offset, long number)
    {
        if (record.Length > MaxRecordLength)
        {
            Malformed(RecordErrorKind.RecordTooLong, offset, number, record.Length);
            return false;
        }

        if (ValidateUtf8 && !Utf8.IsValid(record))
        {
            Malformed(RecordErrorKind.InvalidUtf8, offset + FirstInvalidUtf8(record), number, record.Length);
            return false;
        }

        return true;
    }

    /// <summary>Throws, or under <see cref="MalformedRecordAction.Skip"/> counts, logs and reports the record and returns.</summary>
    internal void Malformed(RecordErrorKind kind, long byteOffset, long recordNumber, long length)
    {
        var message = kind switch
        {
            RecordErrorKind.RecordTooLong => $"Record {recordNumber} at byte {byteOffset} is longer than the maximum record length of {MaxRecordLength} bytes (at least {length} bytes; RecordReaderOptions.MaxRecordLength).",
            RecordErrorKind.InvalidUtf8 => $"Record {recordNumber} is not valid UTF-8: the first invalid byte is at byte {byteOffset}.",
            _ => $"Record {recordNumber} at byte {byteOffset} is truncated.",
        };
        var exception = new MalformedRecordException(kind, byteOffset, recordNumber, message);
        if (!_skipMalformed)
        {
            throw exception;
        }

        SkippedRecords++;
        Log.RecordSkipped(_logger, recordNumber, byteOffset, kind);
        RecordSkipped?.Invoke(exception);
    }

    internal Span<char> CharBuffer(int length)
    {
        if (_chars.Length < length)
        {
            if (_chars.Length > 0)
            {
                ArrayPool<char>.Shared.Return(_chars);
            }

            _chars = [];
            _chars = ArrayPool<char>.Shared.Rent(Math.Max(length, 256));
        }

        return _chars;
    }

    internal static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes[i..], out _, out var consumed) != OperationStatus.Done)
            {
                return i;
            }

            i += consumed;
        }

        return bytes.Length;
    }

    private SlowResult Exhausted(ref RecordBatch batch)
    {
        _exhausted = true;
        batch.Span = default;
        batch.Position = 0;
        return SlowResult.End;
    }

    /// <summary>One frame at <see cref="Consumed"/>: true with the batch's current record set; false when skipped (go on) or when no complete frame is left (<see cref="_exhausted"/> set).</summary>
    private bool ReadFrame(ref RecordBatch batch, ReadOnlySequence<byte> rest)
    {
        var frameOffset = Consumed;
        if (rest.Length < PrefixLength)
        {
            ThrowIfFinal(frameOffset, rest.Length);
            Exhausted(ref batch);
            return false;
        }

        var length = ReadPrefix(rest, frameOffset);
        if (length > MaxRecordLength)
        {
            Malformed(RecordErrorKind.RecordTooLong, frameOffset, ++RecordNumber, length);
            if (rest.Length >= PrefixLength + length)
            {
                Consumed += PrefixLength + length;
                return false;
            }

            _discarding = true;
            _discardUntil = frameOffset + PrefixLength + length;
            Consumed = _bufferOffset + _buffer.Length;
            Exhausted(ref batch);
            return false;
        }

        if (rest.Length < PrefixLength + length)
        {
            ThrowIfFinal(frameOffset, rest.Length);
            Exhausted(ref batch);
            return false;
        }

        var payload = rest.Slice(PrefixLength, length);
        Consumed += PrefixLength + length;
        var number = ++RecordNumber;
        var span = payload.IsSingleSegment ? payload.FirstSpan : Copy(payload);
        if (!Accept(span, frameOffset + PrefixLength, number))
        {
            return false;
        }

        batch.Current = span;
        batch.CurrentOffset = frameOffset + PrefixLength;
        return true;
    }

    private int ReadPrefix(ReadOnlySequence<byte> rest, long frameOffset)
    {
        Span<byte> prefix = stackalloc byte[PrefixLength];
        rest.Slice(0, PrefixLength).CopyTo(prefix);
        var length = _bigEndian ? BinaryPrimitives.ReadInt32BigEndian(prefix) : BinaryPrimitives.ReadInt32LittleEndian(prefix);
        return length >= 0 ? length
            : throw new MalformedRecordException(RecordErrorKind.Truncated, frameOffset, RecordNumber + 1, $"Frame {RecordNumber + 1} at byte {frameOffset} has a negative length prefix ({length}): the input is not framed as configured or is corrupt.");
    }

    private void ThrowIfFinal(long offset, long available)
    {
        if (_final)
        {
            throw Truncated(offset, RecordNumber + 1, available);
        }
    }

    private MalformedRecordException Truncated(long offset, long number, long available) =>
        new(RecordErrorKind.Truncated, offset, number, $"Frame {number} at byte {offset} is cut off by the end of the input ({available} bytes left).");

    /// <summary>The first delimiter at or after <paramref name="from"/>, as an index into <paramref name="sequence"/>; -1 if none.</summary>
    private long FindDelimiter(ReadOnlySequence<byte> sequence, long from)
    {
        if (from >= sequence.Length)
        {
            return -1;
        }

        if (sequence.IsSingleSegment)
        {
            var span = sequence.FirstSpan[(int)from..];
            var i = _delimiter.Length == 1 ? span.IndexOf(_delimiter[0]) : span.IndexOf(_delimiter);
            return i < 0 ? -1 : from + i;
        }

        var reader = new SequenceReader<byte>(sequence);
        reader.Advance(from);
        var found = _delimiter.Length == 1
            ? reader.TryAdvanceTo(_delimiter[0], advancePastDelimiter: false)
            : reader.TryReadTo(out ReadOnlySequence<byte> _, _delimiter, advancePastDelimiter: false);
        return found ? reader.Consumed : -1;
    }

    private ReadOnlySpan<byte> Copy(ReadOnlySequence<byte> record)
    {
        var length = (int)record.Length;
        if (_scratch.Length < length)
        {
            if (_scratch.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_scratch);
            }

            _scratch = [];
            _scratch = ArrayPool<byte>.Shared.Rent(Math.Max(length, 4096));
        }

        record.CopyTo(_scratch);
        return _scratch.AsSpan(0, length);
    }
}
