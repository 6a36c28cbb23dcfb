using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PerfKit.Caching.Internal;
using PerfKit.Caching.Serialization;
using PerfKit.Memory;

namespace PerfKit.Caching;

/// <summary>
/// The hybrid cache. L1 is a SIEVE-evicted in-process store of objects, bounded by count and weight; L2 is any
/// <see cref="IDistributedCache"/> (optional). See <see cref="IPerfKitCache"/> for the contract. It is also an
/// <see cref="IMemoryPressureResponder"/>: register it with PerfKit.Memory's budget (DI does) and L1 shrinks under pressure.
/// </summary>
public sealed partial class PerfKitCache : IPerfKitCache, IMemoryPressureResponder, IDisposable
{
    private readonly PerfKitCacheOptions _options;
    private readonly SieveStore _l1;
    private readonly CacheClock _clock;
    private readonly ILogger _logger;
    private readonly CacheMetrics _metrics;
    private readonly ConcurrentDictionary<string, InFlight> _inflight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _tagInvalidations = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _disposeCts = new();

    /// <summary>Creates a cache.</summary>
    /// <param name="options">The options; validated here (bad values throw naming the option).</param>
    /// <param name="distributedCache">The L2, or <see langword="null"/> for L1 only.</param>
    /// <param name="serializer">The L2 serializer; default <see cref="SystemTextJsonCacheSerializer"/>.</param>
    /// <param name="timeProvider">The clock; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="loggerFactory">Where logs go; default none.</param>
    /// <param name="meterFactory">Creates the <c>PerfKit.Caching</c> meter; default a shared meter.</param>
    /// <param name="backplane">Carries L1 invalidations to and from the other nodes; default none.</param>
    public PerfKitCache(
        PerfKitCacheOptions? options = null,
        IDistributedCache? distributedCache = null,
        ICacheSerializer? serializer = null,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        IMeterFactory? meterFactory = null,
        ICacheBackplane? backplane = null)
    {
        _options = options ?? new PerfKitCacheOptions();
        PerfKitCacheOptionsValidator.ThrowIfInvalid(_options);
        _l1 = new SieveStore(_options.MaximumEntries, _options.MaximumWeight);
        _distributed = distributedCache;
        _serializer = serializer ?? new SystemTextJsonCacheSerializer();
        _clock = new CacheClock(timeProvider ?? TimeProvider.System);
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("PerfKit.Caching.PerfKitCache");
        _metrics = new CacheMetrics(_options.Name, meterFactory, () => _l1.Count);
        _backplane = backplane;
        _backplaneSubscription = backplane?.Subscribe(OnInvalidation);
    }

    /// <inheritdoc />
    public string Name => _options.Name;

    /// <summary>Entries in L1 now.</summary>
    public long Count => _l1.Count;

    /// <inheritdoc />
    string IMemoryPressureResponder.Name => "cache:" + _options.Name;

    /// <inheritdoc />
    public int Priority => MemoryResponderPriority.Caches;

    /// <inheritdoc />
    public ValueTask<T> GetOrCreateAsync<TState, T>(string key, TState state, Func<CacheFactoryContext, TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions? options = null, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        ArgumentNullException.ThrowIfNull(factory);
        if (_l1.TryGet(key, out var entry) && TryCast(entry.Value, out T value))
        {
            var now = _clock.NowMs;
            if (now < entry.ExpiresAt && now < entry.RevalidateAt && IsTagValid(entry))
            {
                if (now >= entry.EagerRefreshAt)
                {
                    StartEagerRefresh(key, state, factory, options ?? _options.DefaultEntryOptions);
                }

                _metrics.Request("l1", "hit");
                return new ValueTask<T>(entry.CopyOnRead ? Copy(value) : value);
            }
        }

        return GetOrCreateSlowAsync(key, state, factory, options ?? _options.DefaultEntryOptions, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<T> GetOrCreateAsync<T>(string key, Func<CacheFactoryContext, CancellationToken, ValueTask<T>> factory, CacheEntryOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return GetOrCreateAsync<Func<CacheFactoryContext, CancellationToken, ValueTask<T>>, T>(key, factory, static (context, f, ct) => f(context, ct), options, cancellationToken);
    }

    /// <inheritdoc />
    public bool TryGet<T>(string key, [MaybeNullWhen(false)] out T value)
    {
        ValidateKey(key);
        if (_l1.TryGet(key, out var entry) && _clock.NowMs is var now && now < entry.ExpiresAt && now < entry.RevalidateAt && IsTagValid(entry) && TryCast(entry.Value, out value))
        {
            _metrics.Request("l1", "hit");
            if (entry.CopyOnRead)
            {
                value = Copy(value);
            }

            return true;
        }

        value = default;
        return false;
    }

    /// <inheritdoc />
    public async ValueTask SetAsync<T>(string key, T value, CacheEntryOptions? options = null, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        options ??= _options.DefaultEntryOptions;
        options.Validate(nameof(options));
        var entry = CreateEntry(key, value, options.Duration, options.Tags, options.Size, options);
        StoreL1(entry);
        if (!options.SkipDistributedCache)
        {
            await WriteDistributedAsync(entry, value, cancellationToken).ConfigureAwait(false);
        }

        await PublishAsync(CacheInvalidationKind.Key, key, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        _l1.Remove(key);
        return _distributed is null && _backplane is null ? ValueTask.CompletedTask : RemoveElsewhereAsync(key, cancellationToken);
    }

    private async ValueTask RemoveElsewhereAsync(string key, CancellationToken cancellationToken)
    {
        await RemoveDistributedAsync(key, cancellationToken).ConfigureAwait(false);
        await PublishAsync(CacheInvalidationKind.Key, key, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask RemoveByTagAsync(string tag, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        var now = _clock.UtcNowMs;
        _tagInvalidations.AddOrUpdate(tag, now, (_, old) => Math.Max(old, now));
        _l1.RemoveWhere(e => e.Tags is { } tags && Array.IndexOf(tags, tag) >= 0);
        await WriteTagMarkerAsync(tag, now, cancellationToken).ConfigureAwait(false);
        await PublishAsync(CacheInvalidationKind.Tag, tag, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<long> RespondAsync(MemoryPressureContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var before = _l1.Count;
        var keep = context.Level >= MemoryPressureLevel.Critical ? 0 : (long)(before * (1 - _options.ShrinkFractionUnderPressure));
        _l1.Shrink(keep);
        var dropped = before - _l1.Count;
        _metrics.Add(_metrics.Evictions, "reason", "pressure", dropped);
        Log.ShrunkUnderPressure(_logger, Name, dropped, context.Level);

        // The bytes are unknown to the cache (it stores objects); reclaim measures what this freed.
        return ValueTask.FromResult(0L);
    }

    /// <summary>Cancels factories still running, stops background work and leaves the backplane. L1 is left to the GC.</summary>
    public void Dispose()
    {
        _backplaneSubscription?.Dispose();
        if (!_disposeCts.IsCancellationRequested)
        {
            _disposeCts.Cancel();
        }
    }

    private static void ValidateKey(string key)
    {
        if (string.IsNullOrEmpty(key))
        {
            ThrowKey(key);
        }

        static void ThrowKey(string key)
        {
            ArgumentNullException.ThrowIfNull(key);
            throw new ArgumentException("A cache key must not be empty.", nameof(key));
        }
    }

    private static bool TryCast<T>(object? stored, out T value)
    {
        if (stored is T typed)
        {
            value = typed;
            return true;
        }

        value = default!;
        return stored is null && default(T) is null;
    }

    private bool IsTagValid(CacheEntry entry)
    {
        if (entry.Tags is not { } tags || _tagInvalidations.IsEmpty)
        {
            return true;
        }

        foreach (var tag in tags)
        {
            if (_tagInvalidations.TryGetValue(tag, out var invalidatedAt) && entry.CreatedUtcMs <= invalidatedAt)
            {
                return false;
            }
        }

        return true;
    }

    private CacheEntry CreateEntry(string key, object? value, TimeSpan duration, IReadOnlyList<string>? tags, long size, CacheEntryOptions options)
    {
        if (size > _options.MaximumEntrySize)
        {
            throw TooLarge(key, size);
        }

        if (duration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(duration), duration, $"The duration of the entry for key '{key}' must be positive.");
        }

        var now = _clock.NowMs;
        var durationMs = (long)duration.TotalMilliseconds;
        if (options.Jitter > TimeSpan.Zero)
        {
            durationMs += Random.Shared.NextInt64((long)options.Jitter.TotalMilliseconds + 1);
        }

        var expiresAt = now + durationMs;
        var staleUntil = expiresAt + (long)(options.FailSafeMaxStaleness?.TotalMilliseconds ?? 0);
        var eagerAt = options.EagerRefreshThreshold is { } threshold ? now + (long)(durationMs * threshold) : long.MaxValue;
        var tagArray = tags is null or { Count: 0 } ? null : tags.ToArray();

        // The wall-clock time is only needed for tag invalidation and L2 envelopes; skip the clock read otherwise.
        var createdUtc = tagArray is null && _distributed is null ? 0 : _clock.UtcNowMs;
        return new CacheEntry(key, value, expiresAt, staleUntil, eagerAt, createdUtc, tagArray, size) { RevalidateAt = RevalidateAt(now), CopyOnRead = options.CopyOnRead };
    }

    private T Copy<T>(T value)
    {
        if (value is null || value is string || typeof(T).IsValueType)
        {
            return value;
        }

        using var buffer = new PooledBufferWriter();
        _serializer.Serialize(value, buffer);
        return _serializer.Deserialize<T>(buffer.WrittenSpan);
    }

    private long RevalidateAt(long now) =>
        _backplane is null ? long.MaxValue : now + (long)_options.BackplaneRevalidationInterval.TotalMilliseconds;

    private CacheEntryTooLargeException TooLarge(string key, long size) =>
        new($"The entry for key '{key}' has size {size}, above PerfKitCacheOptions.MaximumEntrySize ({_options.MaximumEntrySize}) of cache '{Name}'.");

    private void StoreL1(CacheEntry entry)
    {
        var evicted = _l1.Set(entry);
        if (evicted > 0)
        {
            _metrics.Add(_metrics.Evictions, "reason", "capacity", evicted);
        }
    }
}
