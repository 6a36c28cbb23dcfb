namespace PerfKit.Caching;

/// <summary>An entry's <see cref="CacheEntryOptions.Size"/> is above <see cref="PerfKitCacheOptions.MaximumEntrySize"/>.</summary>
public sealed class CacheEntryTooLargeException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public CacheEntryTooLargeException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    public CacheEntryTooLargeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public CacheEntryTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
