using System.IO.Pipelines;
using PerfKit.Streaming.Internal;

namespace PerfKit.Streaming.Records;

/// <summary>Opens a file, a range of a file or a stream as a <see cref="PipeReader"/> sized for record reading.</summary>
public static class RecordFile
{
    /// <summary>
    /// Opens <paramref name="path"/> for sequential reading (<see cref="FileOptions.SequentialScan"/>) as a
    /// <see cref="PipeReader"/> that hands over one contiguous buffer of about <paramref name="bufferSize"/> bytes at a
    /// time, read synchronously with <see cref="RandomAccess"/> (a warm file reads at memory speed, and a thread-pool hop
    /// per read would cost more than the read). Completing the reader closes the file.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="bufferSize">The read size in bytes (the buffer grows only for a record longer than it).</param>
    public static PipeReader OpenPipeReader(string path, int bufferSize = RecordReaderOptions.DefaultBufferSize)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 1);
        var handle = LibraryIo.Run(() => UnixFile.OpenRegular(path) ?? File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan));
        try
        {
            return new FileRangePipeReader(handle, 0, RandomAccess.GetLength(handle), bufferSize, ownsHandle: true);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens one chunk of a file (from <see cref="FileChunker.Split"/>) as a <see cref="PipeReader"/> over exactly its
    /// byte range; a <see cref="RecordReader"/> over it reports byte offsets from the start of the file. Completing the
    /// reader closes the file.
    /// </summary>
    /// <param name="chunk">The chunk.</param>
    /// <param name="bufferSize">The read size in bytes.</param>
    public static PipeReader OpenPipeReader(FileChunk chunk, int bufferSize = RecordReaderOptions.DefaultBufferSize)
    {
        ArgumentException.ThrowIfNullOrEmpty(chunk.Path, nameof(chunk));
        ArgumentOutOfRangeException.ThrowIfNegative(chunk.Offset, nameof(chunk));
        ArgumentOutOfRangeException.ThrowIfNegative(chunk.Length, nameof(chunk));
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 1);
        var handle = LibraryIo.Run(() => UnixFile.OpenRegular(chunk.Path) ?? File.OpenHandle(chunk.Path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan));
        return new FileRangePipeReader(handle, chunk.Offset, chunk.Length, bufferSize, ownsHandle: true);
    }

    /// <summary>
    /// Wraps <paramref name="stream"/> in a <see cref="PipeReader"/> that reads <paramref name="bufferSize"/> bytes at a
    /// time (<see cref="PipeReader.Create(Stream, StreamPipeReaderOptions)"/>). Completing the reader disposes the
    /// stream unless <paramref name="leaveOpen"/> is set.
    /// </summary>
    /// <param name="stream">A readable stream.</param>
    /// <param name="bufferSize">The read size in bytes.</param>
    /// <param name="leaveOpen">Whether the stream stays open when the reader is completed.</param>
    public static PipeReader OpenPipeReader(Stream stream, int bufferSize = RecordReaderOptions.DefaultBufferSize, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 1);
        return PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: bufferSize, minimumReadSize: Math.Max(1, bufferSize / 4), leaveOpen: leaveOpen));
    }

    internal static RecordReaderOptions Validated(RecordReaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        RecordReaderOptionsValidator.ThrowIfInvalid(options);
        return options;
    }
}
