namespace PerfKit.Caching.Distributed;

/// <summary>
/// Thrown by an <see cref="IDistributedCacheStore"/> for a problem of one key (a value of the wrong type, a payload over
/// the size limit, corrupt metadata), as opposed to a store that cannot be reached. The cache treats it as a miss of
/// that key and keeps using the store for the others.
/// </summary>
public sealed class DistributedCacheKeyException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DistributedCacheKeyException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong with the key.</param>
    public DistributedCacheKeyException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong with the key.</param>
    /// <param name="innerException">The client's error.</param>
    public DistributedCacheKeyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
