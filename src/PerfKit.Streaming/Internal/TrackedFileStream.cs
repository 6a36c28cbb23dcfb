namespace PerfKit.Streaming.Internal;

/// <summary>A file stream that remembers how far it was read, even after it is disposed, for the failure report.</summary>
internal sealed class TrackedFileStream(string path, FileStreamOptions options) : FileStream(path, options)
{
    public long LastPosition { get; private set; }

    public override int Read(Span<byte> buffer)
    {
        var read = base.Read(buffer);
        LastPosition += read;
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = base.Read(buffer, offset, count);
        LastPosition += read;
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await base.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        LastPosition += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
}
