using System.Buffers.Binary;
using Microsoft.Extensions.Caching.Distributed;

namespace PerfKit.Caching.Distributed;

/// <summary>
/// Any <see cref="IDistributedCache"/> as PerfKit's L2. Tag markers are ordinary keys (<c>__perfkit_tag:{tag}</c>), read
/// one call per tag (the interface has no multi-key read), and every exception counts as the store being unreachable
/// (the interface cannot tell a bad key from an outage). For Redis, PerfKit.Caching.Redis's store does both better.
/// </summary>
public sealed class DistributedCacheAdapter : IDistributedCacheStore
{
    /// <summary>The key prefix of tag markers.</summary>
    public const string TagMarkerPrefix = "__perfkit_tag:";

    private readonly IDistributedCache _cache;

    /// <summary>Wraps <paramref name="cache"/>.</summary>
    /// <param name="cache">The distributed cache.</param>
    public DistributedCacheAdapter(IDistributedCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        _cache = cache;
    }

    /// <summary>The wrapped cache.</summary>
    public IDistributedCache Inner => _cache;

    /// <inheritdoc />
    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken) =>
        await _cache.GetAsync(key, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    /// <remarks><see cref="IDistributedCache"/> has no multi-key read: the keys are read concurrently, one call each.</remarks>
    public async ValueTask<byte[]?[]> GetManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var reads = new Task<byte[]?>[keys.Count];
        for (var i = 0; i < reads.Length; i++)
        {
            reads[i] = _cache.GetAsync(keys[i], cancellationToken);
        }

        return await Task.WhenAll(reads).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken) =>
        await _cache.SetAsync(key, WholeArray(value), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = timeToLive }, cancellationToken).ConfigureAwait(false);

    private static byte[] WholeArray(ReadOnlyMemory<byte> value) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(value, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : value.ToArray();

    /// <inheritdoc />
    public async ValueTask RemoveAsync(string key, CancellationToken cancellationToken) =>
        await _cache.RemoveAsync(key, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<long[]> GetTagInvalidationsAsync(IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var result = new long[tags.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var marker = await _cache.GetAsync(TagMarkerPrefix + tags[i], cancellationToken).ConfigureAwait(false);
            result[i] = marker is { Length: 8 } ? BinaryPrimitives.ReadInt64LittleEndian(marker) : 0;
        }

        return result;
    }

    /// <inheritdoc />
    public async ValueTask SetTagInvalidationAsync(string tag, long invalidatedAtUtcMs, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        var marker = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(marker, invalidatedAtUtcMs);
        await _cache.SetAsync(TagMarkerPrefix + tag, marker, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = timeToLive }, cancellationToken).ConfigureAwait(false);
    }
}
