using System.Buffers.Binary;
using Microsoft.Extensions.Caching.Distributed;

namespace PerfKit.Caching.Distributed;

/// <summary>
/// A PerfKit cache seen as an <see cref="IDistributedCache"/>, for code that takes only that interface (ASP.NET Core
/// session state, libraries): the byte arrays are stored as entries of the cache, so a read is an L1 hit when this
/// node has the entry, else an L2 read, and writes go to L2 through the cache (its outbox when L2 is away, its
/// backplane to the other nodes). DI: <c>services.AddPerfKitCaching(...).AsDistributedCache()</c>.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Expiration: <see cref="DistributedCacheEntryOptions.AbsoluteExpiration"/>,
/// <see cref="DistributedCacheEntryOptions.AbsoluteExpirationRelativeToNow"/> and
/// <see cref="DistributedCacheEntryOptions.SlidingExpiration"/> are honoured: the entry lives until the earliest of them.
/// With none, the entry lives <see cref="CacheEntryOptions.DefaultDuration"/> (5 minutes). Any lifetime is capped at the
/// cache's <see cref="PerfKitCacheOptions.MaximumEntryLifetime"/> (one day by default).</item>
/// <item>Sliding expiration slides on <see cref="Refresh"/>/<see cref="RefreshAsync"/> and on a write, not on a read
/// (<see cref="Get"/> never writes): <see cref="Refresh"/> rewrites the entry with a fresh window, capped by its absolute
/// expiration (one L1 write and one L2 write). ASP.NET Core's session calls <c>RefreshAsync</c> on every request that
/// reads a session without changing it, so sessions slide as they do over Redis.</item>
/// <item>Each entry carries a 17-byte header (the sliding window and the absolute expiry) before the payload; a read
/// returns a new array with the payload (as Redis-backed caches do), so callers may keep or change it.</item>
/// </list>
/// </remarks>
public sealed class PerfKitDistributedCache : IDistributedCache
{
    private const byte Version = 1;
    private const int HeaderLength = 17;
    private static readonly Func<CacheFactoryContext, CancellationToken, ValueTask<byte[]?>> OnlyCached = static (context, _) =>
    {
        context.DoNotCache();
        return default;
    };

    private readonly IPerfKitCache _cache;
    private readonly TimeProvider _time;
    private readonly TimeSpan _maximumLifetime;

    /// <summary>Wraps <paramref name="cache"/>.</summary>
    /// <param name="cache">The PerfKit cache that stores the entries.</param>
    /// <param name="dependencies">Only <see cref="PerfKitCacheDependencies.TimeProvider"/> is used, for absolute expirations; default the cache's clock (for a <see cref="PerfKitCache"/>), else the system clock.</param>
    public PerfKitDistributedCache(IPerfKitCache cache, PerfKitCacheDependencies? dependencies = null)
    {
        ArgumentNullException.ThrowIfNull(cache);
        _cache = cache;
        var perfKit = cache as PerfKitCache;
        _time = dependencies?.TimeProvider ?? perfKit?.TimeProvider ?? TimeProvider.System;
        _maximumLifetime = perfKit?.MaximumEntryLifetime ?? PerfKitCacheOptions.DefaultMaximumEntryLifetime;
    }

    /// <summary>The PerfKit cache behind this view.</summary>
    public IPerfKitCache Cache => _cache;

    /// <inheritdoc />
    public byte[]? Get(string key) => Wait(GetAsync(key));

    /// <inheritdoc />
    public Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        var stored = ReadAsync(key, token);
        return stored.IsCompletedSuccessfully ? Task.FromResult(Payload(stored.Result)) : AwaitPayloadAsync(stored);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException">The absolute expiration is not in the future, or the sliding window is not positive.</exception>
    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => Wait(SetAsync(key, value, options));

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException">The absolute expiration is not in the future, or the sliding window is not positive.</exception>
    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        var now = _time.GetUtcNow();
        var absolute = options.AbsoluteExpiration ?? (options.AbsoluteExpirationRelativeToNow is { } relative ? now + relative : null);
        if (absolute is { } at && at <= now)
        {
            throw new ArgumentOutOfRangeException(nameof(options), at, "DistributedCacheEntryOptions.AbsoluteExpiration must be in the future.");
        }

        if (options.SlidingExpiration is { } sliding && sliding <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), sliding, "DistributedCacheEntryOptions.SlidingExpiration must be positive.");
        }

        var entry = new byte[HeaderLength + value.Length];
        entry[0] = Version;
        BinaryPrimitives.WriteInt64LittleEndian(entry.AsSpan(1), options.SlidingExpiration?.Ticks ?? 0);
        BinaryPrimitives.WriteInt64LittleEndian(entry.AsSpan(9), absolute?.UtcTicks ?? 0);
        value.CopyTo(entry.AsSpan(HeaderLength));
        return StoreAsync(key, entry, options.SlidingExpiration, absolute, now, token);
    }

    /// <inheritdoc />
    public void Refresh(string key) => Wait(RefreshAsync(key));

    /// <inheritdoc />
    public async Task RefreshAsync(string key, CancellationToken token = default)
    {
        var stored = await ReadAsync(key, token).ConfigureAwait(false);
        if (stored is null || stored.Length < HeaderLength)
        {
            return;
        }

        var slidingTicks = BinaryPrimitives.ReadInt64LittleEndian(stored.AsSpan(1));
        if (slidingTicks <= 0)
        {
            return;
        }

        var absoluteTicks = BinaryPrimitives.ReadInt64LittleEndian(stored.AsSpan(9));
        DateTimeOffset? absolute = absoluteTicks > 0 ? new DateTimeOffset(absoluteTicks, TimeSpan.Zero) : null;
        var now = _time.GetUtcNow();
        if (absolute is { } at && at <= now)
        {
            return;
        }

        await StoreAsync(key, stored, TimeSpan.FromTicks(slidingTicks), absolute, now, token).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Remove(string key) => Wait(RemoveAsync(key));

    /// <inheritdoc />
    public Task RemoveAsync(string key, CancellationToken token = default) => _cache.RemoveAsync(key, token).AsTask();

    private ValueTask<byte[]?> ReadAsync(string key, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _cache.GetOrCreateAsync(key, OnlyCached, null, token);
    }

    private Task StoreAsync(string key, byte[] entry, TimeSpan? sliding, DateTimeOffset? absolute, DateTimeOffset now, CancellationToken token)
    {
        var duration = sliding ?? (absolute is { } until ? until - now : CacheEntryOptions.DefaultDuration);
        if (absolute is { } at && at - now < duration)
        {
            duration = at - now;
        }

        if (duration > _maximumLifetime)
        {
            duration = _maximumLifetime;
        }

        return _cache.SetAsync(key, entry, new CacheEntryOptions { Duration = duration }, token).AsTask();
    }

    private static async Task<byte[]?> AwaitPayloadAsync(ValueTask<byte[]?> stored) => Payload(await stored.ConfigureAwait(false));

    private static byte[]? Payload(byte[]? stored) =>
        stored is { Length: >= HeaderLength } && stored[0] == Version ? stored.AsSpan(HeaderLength).ToArray() : null;

    private static T Wait<T>(Task<T> task) => task.IsCompletedSuccessfully ? task.Result : task.GetAwaiter().GetResult();

    private static void Wait(Task task)
    {
        if (!task.IsCompletedSuccessfully)
        {
            task.GetAwaiter().GetResult();
        }
    }
}
