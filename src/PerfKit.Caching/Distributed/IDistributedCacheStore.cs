namespace PerfKit.Caching.Distributed;

/// <summary>
/// The distributed (L2) tier as <see cref="PerfKitCache"/> uses it: opaque payloads with a time to live set by the
/// store in milliseconds, tag invalidation markers read in one round trip, and errors told apart.
/// <c>PerfKit.Caching.Redis</c> provides one over StackExchange.Redis; <see cref="DistributedCacheAdapter"/> adapts any
/// <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/>.
/// </summary>
/// <remarks>
/// <para>
/// Errors: throw <see cref="DistributedCacheKeyException"/> for a problem of one key (a value of the wrong type, a
/// payload over the store's size limit, corrupt metadata). The cache treats it as a miss of that key, overwrites or
/// deletes the key, and keeps using the store for the others. Any other exception means the store could not be
/// reached; it counts towards the cache's circuit breaker.
/// </para>
/// <para>
/// Cancellation: the token carries the cache's <see cref="PerfKitCacheOptions.DistributedCacheTimeout"/>. Honour it
/// where the client can; the cache stops waiting when it fires either way, and observes the abandoned call.
/// </para>
/// </remarks>
public interface IDistributedCacheStore
{
    /// <summary>Reads one payload.</summary>
    /// <param name="key">The key, with the cache's prefix applied.</param>
    /// <param name="cancellationToken">Fires at the cache's timeout.</param>
    /// <returns>The payload, or <see langword="null"/> when the key does not exist.</returns>
    /// <exception cref="DistributedCacheKeyException">The key holds something that is not a readable payload.</exception>
    ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Reads several payloads, in one round trip where the store can (Redis: one <c>MGET</c>). A key that does not exist,
    /// or holds something the store cannot read, reads as <see langword="null"/>: the cache treats it as a miss and its
    /// next write of the key replaces it. The default implementation calls <see cref="GetAsync"/> for each key, one
    /// after the other.
    /// </summary>
    /// <param name="keys">The keys, with the cache's prefix applied.</param>
    /// <param name="cancellationToken">Fires at the cache's timeout.</param>
    /// <returns>For each key, in order, its payload or <see langword="null"/>.</returns>
    async ValueTask<byte[]?[]> GetManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var result = new byte[]?[keys.Count];
        for (var i = 0; i < result.Length; i++)
        {
            try
            {
                result[i] = await GetAsync(keys[i], cancellationToken).ConfigureAwait(false);
            }
            catch (DistributedCacheKeyException)
            {
                // That key's problem: a miss, which the cache's next write of the key repairs.
            }
        }

        return result;
    }

    /// <summary>
    /// Whether <see cref="TryAcquireLeaseAsync"/> coordinates nodes (a lease one node holds is refused to the others).
    /// <see langword="false"/> by default: <see cref="CacheEntryOptions.ClusterSingleFlight"/> then runs the factory on
    /// every node that misses, as without it.
    /// </summary>
    bool SupportsLeases => false;

    /// <summary>
    /// Takes a short lease on a key for <paramref name="owner"/> when nobody holds one (Redis: <c>SET key owner NX PX</c>),
    /// so that one node of a cluster runs an expensive factory while the others wait for its result. The lease ends at
    /// <paramref name="leaseTime"/> whatever happens to its holder. The default grants every lease (no coordination).
    /// </summary>
    /// <param name="key">The cached key, with the cache's prefix applied (the store keeps leases apart from payloads).</param>
    /// <param name="owner">Who asks: a value unique to the calling cache instance.</param>
    /// <param name="leaseTime">How long the lease lasts unless released (positive; millisecond precision).</param>
    /// <param name="cancellationToken">Fires at the cache's timeout.</param>
    /// <returns>Whether <paramref name="owner"/> holds the lease now.</returns>
    ValueTask<bool> TryAcquireLeaseAsync(string key, string owner, TimeSpan leaseTime, CancellationToken cancellationToken) => ValueTask.FromResult(true);

    /// <summary>Ends a lease <paramref name="owner"/> holds; a lease held by another owner, or expired, is left alone. The default does nothing.</summary>
    /// <param name="key">The cached key, with the cache's prefix applied.</param>
    /// <param name="owner">The owner given to <see cref="TryAcquireLeaseAsync"/>.</param>
    /// <param name="cancellationToken">Fires at the cache's timeout.</param>
    /// <returns>A task that completes when the lease is released.</returns>
    ValueTask ReleaseLeaseAsync(string key, string owner, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Writes one payload, replacing what the key held, with a time to live kept by the server.</summary>
    /// <param name="key">The key, with the cache's prefix applied.</param>
    /// <param name="value">The payload.</param>
    /// <param name="timeToLive">How long the server keeps it (positive; millisecond precision).</param>
    /// <param name="cancellationToken">Fires at the cache's timeout.</param>
    /// <returns>A task that completes when the write is acknowledged.</returns>
    ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken);

    /// <summary>Deletes one key; deleting a key that does not exist succeeds.</summary>
    /// <param name="key">The key, with the cache's prefix applied.</param>
    /// <param name="cancellationToken">Fires at the cache's timeout.</param>
    /// <returns>A task that completes when the delete is acknowledged.</returns>
    ValueTask RemoveAsync(string key, CancellationToken cancellationToken);

    /// <summary>Reads when each tag was last invalidated, for all the tags in one round trip where the store can.</summary>
    /// <param name="tags">The tags, with the cache's prefix applied.</param>
    /// <param name="cancellationToken">Fires at the cache's timeout.</param>
    /// <returns>For each tag, in order, the Unix time in milliseconds of its last invalidation, or 0 when none is recorded.</returns>
    ValueTask<long[]> GetTagInvalidationsAsync(IReadOnlyList<string> tags, CancellationToken cancellationToken);

    /// <summary>
    /// Records that a tag was invalidated at <paramref name="invalidatedAtUtcMs"/>, for <paramref name="timeToLive"/>
    /// (the longest lifetime an entry can have, after which no entry the marker could invalidate is left). Where the
    /// store can, a later time already recorded is kept.
    /// </summary>
    /// <param name="tag">The tag, with the cache's prefix applied.</param>
    /// <param name="invalidatedAtUtcMs">Unix time in milliseconds.</param>
    /// <param name="timeToLive">How long the marker is kept.</param>
    /// <param name="cancellationToken">Fires at the cache's timeout.</param>
    /// <returns>A task that completes when the write is acknowledged.</returns>
    ValueTask SetTagInvalidationAsync(string tag, long invalidatedAtUtcMs, TimeSpan timeToLive, CancellationToken cancellationToken);
}
