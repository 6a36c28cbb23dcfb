namespace PerfKit.Caching;

/// <summary>One invalidation message.</summary>
public sealed class CacheInvalidation
{
    /// <summary>Creates a message.</summary>
    /// <param name="cacheName">The cache it is for (<see cref="IPerfKitCache.Name"/>).</param>
    /// <param name="sourceId">The node that sent it, so that it ignores its own messages.</param>
    /// <param name="kind">Key or tag.</param>
    /// <param name="value">The key or the tag.</param>
    /// <param name="timestampUtcMs">When it was sent, in Unix milliseconds.</param>
    public CacheInvalidation(string cacheName, string sourceId, CacheInvalidationKind kind, string value, long timestampUtcMs)
    {
        ArgumentException.ThrowIfNullOrEmpty(cacheName);
        ArgumentException.ThrowIfNullOrEmpty(sourceId);
        ArgumentException.ThrowIfNullOrEmpty(value);
        CacheName = cacheName;
        SourceId = sourceId;
        Kind = kind;
        Value = value;
        TimestampUtcMs = timestampUtcMs;
    }

    /// <summary>The cache it is for.</summary>
    public string CacheName { get; }

    /// <summary>The node that sent it.</summary>
    public string SourceId { get; }

    /// <summary>Key or tag.</summary>
    public CacheInvalidationKind Kind { get; }

    /// <summary>The key or the tag.</summary>
    public string Value { get; }

    /// <summary>When it was sent, in Unix milliseconds.</summary>
    public long TimestampUtcMs { get; }
}
