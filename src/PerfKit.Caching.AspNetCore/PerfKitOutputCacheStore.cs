using Microsoft.AspNetCore.OutputCaching;

namespace PerfKit.Caching.AspNetCore;

/// <summary>
/// ASP.NET Core's <see cref="IOutputCacheStore"/> over a PerfKit cache: a cached response is an entry of the cache (an L1
/// hit on the node that has it, else an L2 read), its output-cache tags are the entry's tags, and
/// <see cref="EvictByTagAsync"/> is <see cref="IPerfKitCache.RemoveByTagAsync"/>: the tag is invalidated in this node's
/// L1 at once, in L2 through a tag marker that every node checks, and in the other nodes' L1 through the backplane.
/// DI: <c>services.AddPerfKitCaching(...).AsOutputCacheStore()</c>, beside <c>services.AddOutputCache(...)</c>.
/// </summary>
/// <remarks>
/// The response bytes are stored as given and handed back as stored (ASP.NET Core neither keeps nor changes them).
/// Entries live <c>validFor</c>, capped at the cache's <see cref="PerfKitCacheOptions.MaximumEntryLifetime"/>.
/// </remarks>
public sealed class PerfKitOutputCacheStore : IOutputCacheStore
{
    private static readonly Func<CacheFactoryContext, CancellationToken, ValueTask<byte[]?>> OnlyCached = static (context, _) =>
    {
        context.DoNotCache();
        return default;
    };

    private readonly IPerfKitCache _cache;
    private readonly TimeSpan _maximumLifetime;

    /// <summary>Wraps <paramref name="cache"/>.</summary>
    /// <param name="cache">The PerfKit cache that stores the responses.</param>
    public PerfKitOutputCacheStore(IPerfKitCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        _cache = cache;
        _maximumLifetime = (cache as PerfKitCache)?.MaximumEntryLifetime ?? PerfKitCacheOptions.DefaultMaximumEntryLifetime;
    }

    /// <summary>The PerfKit cache behind this store.</summary>
    public IPerfKitCache Cache => _cache;

    /// <inheritdoc />
    public ValueTask EvictByTagAsync(string tag, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        return _cache.RemoveByTagAsync(tag, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return _cache.GetOrCreateAsync(key, OnlyCached, null, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask SetAsync(string key, byte[] value, string[]? tags, TimeSpan validFor, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(validFor, TimeSpan.Zero);

        // Capped, never refused: a policy's Expire longer than the cache's lifetime limit still caches the response.
        var options = new CacheEntryOptions { Duration = validFor < _maximumLifetime ? validFor : _maximumLifetime, Tags = tags is { Length: > 0 } ? tags : null };
        return _cache.SetAsync(key, value, options, cancellationToken);
    }
}
