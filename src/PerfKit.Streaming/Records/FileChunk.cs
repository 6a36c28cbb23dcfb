namespace PerfKit.Streaming.Records;

/// <summary>
/// A byte range of a file that starts at a record's first byte and ends just after a record delimiter (or at the end of
/// the file), produced by <see cref="FileChunker.Split"/>; read it with <see cref="RecordReader.OpenChunk"/>.
/// </summary>
/// <param name="Path">The file.</param>
/// <param name="Offset">The chunk's first byte, from the start of the file.</param>
/// <param name="Length">The chunk's length in bytes.</param>
/// <param name="Index">The chunk's 0-based position among the file's chunks.</param>
public readonly record struct FileChunk(string Path, long Offset, long Length, int Index);
