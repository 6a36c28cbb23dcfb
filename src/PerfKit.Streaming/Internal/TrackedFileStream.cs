namespace PerfKit.Streaming.Internal;

/// <summary>
/// A read-only file stream that remembers how far it was read, even after it is disposed, for the failure report.
/// A wrapper rather than a <see cref="FileStream"/> subclass: a derived FileStream routes its overloads into each other.
/// </summary>
internal sealed class TrackedFileStream(string path, FileStreamOptions options) : Stream
{
    // On Unix, opened without blocking and refused unless a regular file (a FIFO swapped in after the walk).
    private readonly FileStream _inner = LibraryIo.Run(() => UnixFile.OpenRegular(path) is { } handle
        ? new FileStream(handle, FileAccess.Read, bufferSize: 0)
        : new FileStream(path, options));

    public long LastPosition { get; private set; }

    public override bool CanRead => _inner.CanRead;

    public override bool CanSeek => _inner.CanSeek;

    public override bool CanWrite => false;

    public override long Length => _inner.Length;

    public override long Position
    {
        get => _inner.Position;
        set => LastPosition = _inner.Position = value;
    }

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return Track(_inner.Read(buffer));
        }
        catch (Exception e) when (LibraryIo.Mark(e))
        {
            throw;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return Track(await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (LibraryIo.Mark(e))
        {
            throw;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => LastPosition = _inner.Seek(offset, origin);

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override ValueTask DisposeAsync() => _inner.DisposeAsync();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Track(int read)
    {
        LastPosition += read;
        return read;
    }
}
