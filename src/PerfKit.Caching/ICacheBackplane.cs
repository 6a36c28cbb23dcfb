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
