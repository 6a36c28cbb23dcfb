namespace PerfKit.Caching;

/// <summary>
/// Carries L1 invalidations between the nodes that share an L2, so that a write or a removal on one node evicts the
/// stale L1 copies on the others. <c>PerfKit.Caching.Redis</c> provides one over Redis pub/sub. Messages can be
/// lost (a reconnect, a slow subscriber); <see cref="PerfKitCacheOptions.BackplaneRevalidationInterval"/> bounds how
/// long a lost message can leave a copy stale.
/// </summary>
public interface ICacheBackplane
{
    /// <summary>Sends an invalidation to the other nodes. May throw; the cache logs and meters the failure.</summary>
    /// <param name="invalidation">The invalidation.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes when the message is handed to the transport.</returns>
    ValueTask PublishAsync(CacheInvalidation invalidation, CancellationToken cancellationToken);

    /// <summary>Calls <paramref name="handler"/> for each invalidation received, until the returned handle is disposed.</summary>
    /// <param name="handler">Called on the transport's thread; must be quick.</param>
    /// <returns>The subscription.</returns>
    IDisposable Subscribe(Action<CacheInvalidation> handler);
}

/// <summary>What an invalidation names.</summary>
public enum CacheInvalidationKind
{
    /// <summary>One key.</summary>
    Key = 0,

    /// <summary>Every entry with a tag.</summary>
    Tag = 1,
}

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
