using System.Globalization;

namespace PerfKit.Streaming;

/// <summary>A file found by a <see cref="DirectorySource"/> (or, when <see cref="Problem"/> is set, a folder the walk could not enter).</summary>
public sealed class FileItem
{
    /// <summary>Creates a file item.</summary>
    /// <param name="fullPath">The file's full path.</param>
    /// <param name="relativePath">The path from the source's root, with <c>/</c> separators.</param>
    /// <param name="length">The file's length in bytes when listed.</param>
    /// <param name="lastWriteTimeUtc">The file's last write time when listed.</param>
    public FileItem(string fullPath, string relativePath, long length, DateTimeOffset lastWriteTimeUtc)
    {
        ArgumentNullException.ThrowIfNull(fullPath);
        ArgumentNullException.ThrowIfNull(relativePath);
        FullPath = fullPath;
        RelativePath = relativePath;
        Length = length;
        LastWriteTimeUtc = lastWriteTimeUtc;
    }

    internal FileItem(string fullPath, string relativePath, string problem)
        : this(fullPath, relativePath, 0, default) => Problem = problem;

    /// <summary>The file's full path.</summary>
    public string FullPath { get; }

    /// <summary>The path from the source's root, with <c>/</c> separators: the item's key in checkpoints.</summary>
    public string RelativePath { get; }

    /// <summary>The file's length in bytes when it was listed: its weight against <see cref="StreamingPipelineOptions.MaxBytesInFlight"/>.</summary>
    public long Length { get; }

    /// <summary>The file's last write time (UTC) when it was listed.</summary>
    public DateTimeOffset LastWriteTimeUtc { get; }

    /// <summary>Null for a file; for a folder the walk could not enter or an entry that is not a regular file (a FIFO, socket or device), why (the pipeline records it as a <see cref="StreamingFailureKind.WalkProblem"/> failure).</summary>
    public string? Problem { get; }

    /// <summary>
    /// A key that names this version of this file: <c>relative/path|length|last-write-ticks</c>. A sink that stores it
    /// with its output can drop the repeats that at-least-once delivery allows after a crash, and still see a file
    /// that changed as new.
    /// </summary>
    public string IdempotencyKey =>
        string.Create(CultureInfo.InvariantCulture, $"{RelativePath}|{Length}|{LastWriteTimeUtc.UtcTicks}");

    /// <inheritdoc />
    public override string ToString() => RelativePath;
}
