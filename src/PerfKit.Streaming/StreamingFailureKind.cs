namespace PerfKit.Streaming;

/// <summary>Why an item failed.</summary>
public enum StreamingFailureKind
{
    /// <summary>The processor threw an exception not covered by another kind, including an I/O exception of its own (not from <see cref="StreamingItemContext.OpenRead"/> or the record files).</summary>
    ProcessorError = 0,

    /// <summary>The processor threw a <see cref="Records.MalformedRecordException"/>: the input holds a record that cannot be read (see <see cref="StreamingFailure.RecordErrorKind"/>).</summary>
    MalformedRecord = 1,

    /// <summary>The file (or a folder on its path) vanished before it was read.</summary>
    NotFound = 2,

    /// <summary>The file or folder could not be opened for lack of permission.</summary>
    AccessDenied = 3,

    /// <summary>The library's own open or read (<see cref="StreamingItemContext.OpenRead"/>, <see cref="Records.RecordFile"/>) failed with an I/O error, or the file is no longer a regular file.</summary>
    ReadError = 4,

    /// <summary>The item weighs more than <see cref="StreamingPipelineOptions.MaxItemBytes"/>; it was not processed.</summary>
    TooLarge = 5,

    /// <summary>The directory walk could not enter a folder (permission denied, vanished, or a symbolic link loop; the folder's files were not listed), or the entry is not a regular file (a FIFO, socket or device; never opened).</summary>
    WalkProblem = 6,
}
