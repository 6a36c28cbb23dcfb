using System.Buffers;
using System.Text;

namespace PerfKit.Streaming.Records;

/// <summary>
/// Splits one large file into chunks for parallel processing, each starting at a record's first byte and ending just
/// after a record delimiter, so that reading every chunk's records (<see cref="RecordReader.OpenChunk"/>) yields
/// exactly the records of reading the file from start to end, in the same order.
/// </summary>
public static class FileChunker
{
    private const int ScanBlock = 64 * 1024;

    /// <summary>
    /// Splits <paramref name="path"/> into chunks of about <paramref name="chunkSize"/> bytes: each chunk ends just after
    /// the first delimiter that ends at or after its start plus <paramref name="chunkSize"/> (for lines, after the
    /// <c>\n</c>, so a <c>\r\n</c> is never cut), or at the end of the file. A record longer than a chunk makes its chunk
    /// longer (the chunk grows to the record's end); it is never an error here (the chunk's reader applies the maximum
    /// record length). Reads a few kilobytes around each boundary, not the whole file. An empty file has no chunks.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="chunkSize">The target chunk length in bytes, at least 1.</param>
    /// <param name="options">The framing (<see langword="null"/>: lines). <see cref="RecordFraming.LengthPrefixed"/> cannot be split
    /// without reading every prefix from the start, and a multi-byte delimiter that can overlap itself (such as <c>"||"</c>,
    /// whose end is also its start) has no unambiguous boundary in the middle of a file: both are rejected.</param>
    /// <param name="cancellationToken">Stops the split between boundaries.</param>
    /// <returns>The chunks in file order, covering the file without gaps or overlaps.</returns>
    /// <exception cref="ArgumentException">The framing cannot be split.</exception>
    public static IReadOnlyList<FileChunk> Split(string path, long chunkSize, RecordReaderOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        var delimiter = Delimiter(options is null ? new RecordReaderOptions() : RecordFile.Validated(options));
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        var length = RandomAccess.GetLength(handle);
        var chunks = new List<FileChunk>();
        var block = ArrayPool<byte>.Shared.Rent(ScanBlock + delimiter.Length);
        try
        {
            for (long start = 0; start < length;)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var end = start + chunkSize >= length ? length : BoundaryAfter(handle, Math.Max(start, start + chunkSize - delimiter.Length), length, delimiter, block);
                chunks.Add(new FileChunk(path, start, end - start, chunks.Count));
                start = end;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(block);
        }

        return chunks;
    }

    /// <summary>The position just after the first delimiter that starts at or after <paramref name="from"/>; the file's length if none.</summary>
    private static long BoundaryAfter(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long from, long length, byte[] delimiter, byte[] block)
    {
        // Blocks overlap by the delimiter's length - 1, so a delimiter across two blocks is found.
        for (var position = from; position < length; position += ScanBlock)
        {
            var read = RandomAccess.Read(handle, block.AsSpan(0, (int)Math.Min(ScanBlock + delimiter.Length, length - position)), position);
            if (read == 0)
            {
                break;
            }

            var span = block.AsSpan(0, read);
            var i = delimiter.Length == 1 ? span.IndexOf(delimiter[0]) : span.IndexOf(delimiter);
            if (i >= 0)
            {
                return position + i + delimiter.Length;
            }
        }

        return length;
    }

    private static byte[] Delimiter(RecordReaderOptions options)
    {
        if (options.Framing == RecordFraming.LengthPrefixed)
        {
            throw new ArgumentException("Length-prefixed frames cannot be split into chunks: a boundary can only be found by reading every prefix from the start of the file.", nameof(options));
        }

        var delimiter = options.Framing == RecordFraming.Lines ? "\n"u8.ToArray() : Encoding.UTF8.GetBytes(options.Delimiter!);
        for (var k = 1; k < delimiter.Length; k++)
        {
            if (delimiter.AsSpan(0, k).SequenceEqual(delimiter.AsSpan(delimiter.Length - k)))
            {
                throw new ArgumentException($"The delimiter \"{options.Delimiter}\" can overlap itself (its last {k} byte(s) are also its first), so a boundary found in the middle of the file could differ from sequential reading; use a delimiter that cannot, or read the file sequentially.", nameof(options));
            }
        }

        return delimiter;
    }
}
