namespace PerfKit.Caching;

/// <summary>The factory did not finish within <see cref="CacheEntryOptions.FactoryHardTimeout"/> and there was no stale value to serve.</summary>
public sealed class CacheFactoryTimeoutException : TimeoutException
{
    /// <summary>Creates the exception.</summary>
    public CacheFactoryTimeoutException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    public CacheFactoryTimeoutException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public CacheFactoryTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
