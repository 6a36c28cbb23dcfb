using PerfKit.Streaming.Internal;

namespace PerfKit.Streaming;

/// <summary>What the processor gets beside the item: its position, a token, a record counter and a file opener that remembers the read position for the failure report.</summary>
public sealed class StreamingItemContext
{
    // Shared by every OpenRead: FileStream only reads these, nothing sets them after construction.
    private static readonly FileStreamOptions ReadOptions = new()
    {
        Mode = FileMode.Open,
        Access = FileAccess.Read,
        Share = FileShare.Read | FileShare.Delete,
        Options = FileOptions.SequentialScan,
        BufferSize = 0,
    };

    private readonly FileItem? _file;
    private TrackedFileStream? _stream;
    private long _records;

    internal StreamingItemContext(long sequence, string key, int attempt, FileItem? file, CancellationToken cancellationToken)
    {
        Sequence = sequence;
        Key = key;
        Attempt = attempt;
        _file = file;
        CancellationToken = cancellationToken;
    }

    /// <summary>The item's 0-based position in the source.</summary>
    public long Sequence { get; }

    /// <summary>The item's key.</summary>
    public string Key { get; }

    /// <summary>1 for the first try, 2 for the first retry, and so on.</summary>
    public int Attempt { get; }

    /// <summary>
    /// Cancelled only when the pipeline is disposed during a run: cancelling the run's own token lets the items in
    /// flight finish (they drain), so that the final checkpoint can record them.
    /// </summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Records counted so far for this item.</summary>
    public long Records => _records;

    /// <summary>A byte position the processor sets as it goes; reported with a failure that carries none of its own.</summary>
    public long? ByteOffset { get; set; }

    /// <summary>Adds to the item's record count (shown in progress, the report and the <c>perfkit.streaming.records</c> counter when the item succeeds).</summary>
    /// <param name="count">The records read.</param>
    public void AddRecords(long count) => _records += count;

    /// <summary>
    /// Opens the item's file for sequential reading (synchronous file I/O: on Linux asynchronous file reads are
    /// emulated on the thread pool, a hop per read that was measurably slower on small files). The pipeline closes it
    /// after the processor returns
    /// and, if reading fails, reports the stream's position as the failure's byte offset.
    /// </summary>
    /// <returns>The open stream.</returns>
    /// <exception cref="InvalidOperationException">The item is not a <see cref="FileItem"/>.</exception>
    public Stream OpenRead()
    {
        if (_file is null)
        {
            throw new InvalidOperationException("OpenRead is for FileItem sources only.");
        }

        _stream?.Dispose();
        _stream = new TrackedFileStream(_file.FullPath, ReadOptions);
        return _stream;
    }

    internal long? StreamPosition => _stream?.LastPosition;

    internal void Close()
    {
        _stream?.Dispose();
        _stream = null;
    }
}
