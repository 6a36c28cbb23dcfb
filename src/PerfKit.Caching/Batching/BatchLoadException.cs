namespace PerfKit.Caching.Batching;

/// <summary>
/// A key could not be loaded through a <see cref="BatchLoader{TKey, TValue}"/>: its batch function threw or timed out
/// (<see cref="Exception.InnerException"/> says which; every caller of the batch gets this), or the loader was full
/// (<see cref="BatchLoaderOptions.MaximumPendingKeys"/>). A key the batch function returned no value for fails with a
/// <see cref="KeyNotFoundException"/> instead, for that key's callers only.
/// </summary>
public sealed class BatchLoadException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BatchLoadException()
        : this("A batch load failed.")
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    public BatchLoadException(string message)
        : this(message, null)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The batch function's exception, or a <see cref="TimeoutException"/>.</param>
    public BatchLoadException(string message, Exception? innerException)
        : this(message, innerException, 0)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The batch function's exception, or a <see cref="TimeoutException"/>.</param>
    /// <param name="batchSize">How many distinct keys the failed batch held (0 when no batch ran).</param>
    public BatchLoadException(string message, Exception? innerException, int batchSize)
        : base(message, innerException) => BatchSize = batchSize;

    /// <summary>How many distinct keys the failed batch held; 0 when no batch ran (the loader was full or disposed).</summary>
    public int BatchSize { get; }
}
