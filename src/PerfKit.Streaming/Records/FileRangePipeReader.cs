using PerfKit.Streaming.Internal;
using System.Buffers;
using System.IO.Pipelines;
using Microsoft.Win32.SafeHandles;

namespace PerfKit.Streaming.Records;

/// <summary>
/// A <see cref="PipeReader"/> over a byte range of a file, read with <see cref="RandomAccess.Read(SafeFileHandle, Span{byte}, long)"/>
/// into one pooled array: every buffer it returns is a single segment (the unconsumed tail is moved to the front before
/// each read), so a record reader's fast path never meets a segment edge. The array grows only when a single
/// unconsumed record fills it. Reads are synchronous (a warm file is read at memory speed; a thread-pool hop per read
/// would cost more than the read), so <see cref="ReadAsync"/> always completes synchronously.
/// </summary>
internal sealed class FileRangePipeReader : PipeReader
{
    private readonly SafeFileHandle _handle;
    private readonly bool _ownsHandle;
    private readonly long _end;
    private byte[] _array;
    private int _start;        // first unconsumed byte in _array
    private int _length;       // bytes of data from _start
    private long _filePosition; // next file offset to read
    private bool _examinedAll; // the consumer has seen all of _array[_start.._start+_length] and wants more
    private bool _endOfData;
    private bool _cancelNext;
    private bool _completed;

    public FileRangePipeReader(SafeFileHandle handle, long offset, long length, int bufferSize, bool ownsHandle)
    {
        _handle = handle;
        _ownsHandle = ownsHandle;
        StartOffset = offset;
        _filePosition = offset;
        _end = offset + length;
        _array = ArrayPool<byte>.Shared.Rent(bufferSize);
        _endOfData = length == 0;
    }

    /// <summary>The file offset of the range's first byte: record readers report offsets from the file's start.</summary>
    public long StartOffset { get; }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        var current = new ReadOnlySequence<byte>(_array, _start, _length);
        var consumedBytes = (int)current.Slice(current.Start, consumed).Length;
        var examinedBytes = (int)current.Slice(current.Start, examined).Length;
        if (examinedBytes < consumedBytes)
        {
            throw new InvalidOperationException("The examined position cannot be before the consumed position.");
        }

        _examinedAll = examinedBytes == _length;
        _start += consumedBytes;
        _length -= consumedBytes;
        if (_length == 0)
        {
            _start = 0;
        }
    }

    public override void CancelPendingRead() => _cancelNext = true;

    public override void Complete(Exception? exception = null)
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        ArrayPool<byte>.Shared.Return(_array);
        _array = [];
        if (_ownsHandle)
        {
            _handle.Dispose();
        }
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new ValueTask<ReadResult>(Read());
    }

    public override bool TryRead(out ReadResult result)
    {
        result = Read();
        return true;
    }

    private ReadResult Read()
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (_cancelNext)
        {
            _cancelNext = false;
            return new ReadResult(new ReadOnlySequence<byte>(_array, _start, _length), isCanceled: true, isCompleted: _endOfData);
        }

        if ((_length == 0 || _examinedAll) && !_endOfData)
        {
            Fill();
        }

        _examinedAll = false;
        return new ReadResult(new ReadOnlySequence<byte>(_array, _start, _length), isCanceled: false, isCompleted: _endOfData);
    }

    private void Fill()
    {
        if (_start > 0 && _start + _length > _array.Length / 2)
        {
            // Move the unconsumed tail (usually part of one record) to the front, so that the next read is large.
            Buffer.BlockCopy(_array, _start, _array, 0, _length);
            _start = 0;
        }

        if (_start + _length == _array.Length)
        {
            // One unconsumed record fills the array: grow it (the record reader bounds this by its maximum record length).
            var larger = ArrayPool<byte>.Shared.Rent(checked(_array.Length * 2));
            Buffer.BlockCopy(_array, _start, larger, 0, _length);
            ArrayPool<byte>.Shared.Return(_array);
            _array = larger;
            _start = 0;
        }

        var free = _array.AsSpan(_start + _length);
        var wanted = (int)Math.Min(free.Length, _end - _filePosition);
        int read;
        try
        {
            read = RandomAccess.Read(_handle, free[..wanted], _filePosition);
        }
        catch (Exception e) when (LibraryIo.Mark(e))
        {
            throw;
        }

        _filePosition += read;
        _length += read;
        if (read == 0 || _filePosition >= _end)
        {
            // The range is read (or the file is shorter than it was when the range was chosen).
            _endOfData = true;
        }
    }
}
