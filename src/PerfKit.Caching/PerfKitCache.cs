using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PerfKit.Caching.Distributed;
using PerfKit.Caching.Internal;
using PerfKit.Caching.Serialization;
using PerfKit.Memory;

namespace PerfKit.Caching;

/// <summary>
/// The hybrid cache. L1 is a SIEVE-evicted in-process store of objects, bounded by count and weight; L2 is any
/// <see cref="IDistributedCacheStore"/> (optional). See <see cref="IPerfKitCache"/> for the contract. It is also an
/// <see cref="IMemoryPressureResponder"/>: register it with PerfKit.Memory's budget (DI does) and L1 shrinks under pressure.
/// </summary>
public sealed partial class PerfKitCache : IPerfKitCache, IMemoryPressureResponder, IDisposable, IAsyncDisposable
{
    private readonly PerfKitCacheOptions _options;
    private readonly SieveStore _l1;
    private readonly CacheClock _clock;
    private readonly ILogger _logger;
    private readonly CacheMeter _metrics;
    private readonly ConcurrentDictionary<string, InFlight> _inflight = new(StringComparer.Ordinal);
    private readonly TagInvalidations _tags;
    private readonly CancellationTokenSource _disposeCts = new();
    private readonly long _maxLifetimeMs;
    private volatile bool _disposed;

    /// <summary>Creates an L1-only cache with default options.</summary>
    public PerfKitCache()
        : this(new PerfKitCacheOptions(), null)
    {
    }

    /// <summary>Creates a cache.</summary>
    /// <param name="options">The options; validated here (bad values throw naming the option).</param>
    /// <param name="dependencies">The L2, backplane, serializer, clock, logging and metrics; <see langword="null"/> for none (L1 only, system clock).</param>
    public PerfKitCache(PerfKitCacheOptions options, PerfKitCacheDependencies? dependencies = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        PerfKitCacheOptionsValidator.ThrowIfInvalid(options);
        dependencies ??= new PerfKitCacheDependencies();
        _options = options;
        _maxLifetimeMs = (long)options.MaximumEntryLifetime.TotalMilliseconds;
        _l1 = new SieveStore(options.MaximumEntries, options.MaximumWeight);
        _tags = new TagInvalidations(_maxLifetimeMs);
        _store = dependencies.DistributedCache;
        _serializer = dependencies.Serializer ?? new SystemTextJsonCacheSerializer();
        _clock = new CacheClock(dependencies.TimeProvider ?? TimeProvider.System);
        _logger = (dependencies.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("PerfKit.Caching.PerfKitCache");
        _circuit = new DistributedCircuit((long)options.DistributedCacheBreakDuration.TotalMilliseconds);
        _outbox = new DistributedOutbox(options.DistributedOutboxCapacity, options.DistributedOutboxMaximumBytes);
        _l2Log = new DistributedLog(_logger, options.Name, _clock.TimeProvider, options.DistributedCacheBreakDuration);
        var metrics = CacheMetrics.For(dependencies.MeterFactory);
        _metrics = new CacheMeter(metrics, options.Name);
        metrics.Track(this);
        _backplane = dependencies.Backplane;
        _backplaneSubscription = _backplane?.Subscribe(OnInvalidation);
    }

    /// <inheritdoc />
    public string Name => _options.Name;

    /// <summary>Entries in L1 now.</summary>
    public long Count => _l1.Count;

    /// <inheritdoc />
    string IMemoryPressureResponder.Name => "cache:" + _options.Name;

    /// <inheritdoc />
    public int Priority => MemoryResponderPriority.Caches;

    internal int TagInvalidationCount => _tags.Count;

    internal CacheEntryOptions DefaultEntryOptions => _options.DefaultEntryOptions;

    /// <summary>The longest an entry of this cache lives, fresh and stale together (<see cref="PerfKitCacheOptions.MaximumEntryLifetime"/>).</summary>
    public TimeSpan MaximumEntryLifetime => _options.MaximumEntryLifetime;

    internal TimeProvider TimeProvider => _clock.TimeProvider;

    /// <summary>Counts an L1 hit answered by <see cref="TryGetPlainHit"/>.</summary>
    internal void CountHit() => _metrics.Request("l1", "hit");

    internal int IndexedTagCount => _l1.IndexedTagCount;

    /// <summary>
    /// The hit path of <see cref="GetOrCreateAsync{TState, T}"/> for adapters (PerfKitHybridCache): the value of a fresh
    /// L1 entry that is not copied on read and not due for an eager refresh. Anything else (a miss, a copy, a refresh to
    /// start) is left to <see cref="GetOrCreateAsync{TState, T}"/>, so the answer is the same. Not generic, so that an
    /// adapter's shared generic code calls it without a run-time lookup; the caller checks the type and counts the hit.
    /// </summary>
    internal bool TryGetPlainHit(string key, out object? value)
    {
        if (_l1.TryGet(key, out var entry) && !entry.CopyOnRead && !_disposed)
        {
            var now = _clock.NowMs;
            if (now < entry.ExpiresAt && now < entry.RevalidateAt && now < Volatile.Read(ref entry.EagerRefreshAt) && IsTagValid(entry))
            {
                value = entry.Value;
                return true;
            }
        }

        value = null;
        return false;
    }

    /// <inheritdoc />
    public ValueTask<T> GetOrCreateAsync<TState, T>(string key, TState state, Func<CacheFactoryContext, TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions? options = null, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        ArgumentNullException.ThrowIfNull(factory);
        if (_l1.TryGet(key, out var entry) && TryCast(entry.Value, out T value) && !_disposed)
        {
            var now = _clock.NowMs;
            if (now < entry.ExpiresAt && now < entry.RevalidateAt && IsTagValid(entry))
            {
                if (now >= Volatile.Read(ref entry.EagerRefreshAt))
                {
                    StartEagerRefresh(key, state, factory, options ?? _options.DefaultEntryOptions, entry);
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
        ThrowIfDisposed();
        return TryGetFresh(key, out value);
    }

    /// <summary>A fresh L1 value of type <typeparamref name="T"/> (counted as a hit, copied if the entry says so); no L2, no factory.</summary>
    private bool TryGetFresh<T>(string key, [MaybeNullWhen(false)] out T value)
    {
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
        ThrowIfDisposed();
        options ??= _options.DefaultEntryOptions;
        ValidateEntryOptions(options);
        cancellationToken.ThrowIfCancellationRequested();
        var entry = CreateEntry(key, value, options.Duration, options.Tags, options.Size, options);
        StoreL1(entry);

        // From here on the write is not abandoned halfway: L2 gets it now or through the outbox.
        var inL2 = HasDistributed && !options.SkipDistributedCache
            ? await WriteDistributedAsync(entry, value).ConfigureAwait(false)
            : !HasDistributed || options.SkipDistributedCache;
        if (inL2)
        {
            await PublishAsync(CacheInvalidationKind.Key, key).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        _l1.Remove(key);
        return _store is null && _backplane is null ? ValueTask.CompletedTask : RemoveElsewhereAsync(key);
    }

    /// <inheritdoc />
    public async ValueTask RemoveByTagAsync(string tag, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        var now = _clock.UtcNowMs;
        _tags.Record(tag, now, now);
        _l1.RemoveByTag(tag);
        var inL2 = !HasDistributed || await ExecuteAsync(DistributedOperation.Tag(_options.DistributedKeyPrefix + tag, now)).ConfigureAwait(false);
        if (inL2)
        {
            await PublishAsync(CacheInvalidationKind.Tag, tag).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public ValueTask<long> RespondAsync(MemoryPressureContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var before = _l1.Count;
        var keep = context.Level >= MemoryPressureLevel.Critical ? 0 : (long)(before * (1 - _options.ShrinkFractionUnderPressure));
        _l1.Shrink(keep);
        var dropped = before - _l1.Count;
        _metrics.Add(_metrics.Instruments.Evictions, "reason", "pressure", dropped);
        Log.ShrunkUnderPressure(_logger, Name, dropped, context.Level);

        // The bytes are unknown to the cache (it stores objects); reclaim measures what this freed.
        return ValueTask.FromResult(0L);
    }

    /// <summary>
    /// Cancels factories still running, stops background work, leaves the backplane and the metrics. L2 operations
    /// still queued in the outbox are dropped (metered and logged); <see cref="DisposeAsync"/> tries to deliver them first.
    /// Calls made afterwards throw <see cref="ObjectDisposedException"/>. L1 is left to the GC.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _backplaneSubscription?.Dispose();
        _disposeCts.Cancel();
        DropOutboxOnDispose();
        _metrics.Instruments.Untrack(this);
    }

    /// <summary>
    /// As <see cref="Dispose"/>, after one last attempt, bounded by <see cref="PerfKitCacheOptions.DistributedCacheTimeout"/>
    /// per operation, to deliver the L2 operations queued in the outbox.
    /// </summary>
    /// <returns>A task that completes when the cache is disposed.</returns>
    public async ValueTask DisposeAsync()
    {
        // The replay itself: in order, stopping at the first operation L2 does not answer (a replay already running
        // is left to finish what it can before Dispose stops it).
        if (!_disposed && _store is not null && _outbox.Count > 0 && Interlocked.CompareExchange(ref _replaying, 1, 0) == 0)
        {
            await ReplayAsync().ConfigureAwait(false);
        }

        Dispose();
    }

    private async ValueTask RemoveElsewhereAsync(string key)
    {
        var inL2 = !HasDistributed || await ExecuteAsync(DistributedOperation.Remove(_options.DistributedKeyPrefix + key)).ConfigureAwait(false);
        if (inL2)
        {
            await PublishAsync(CacheInvalidationKind.Key, key).ConfigureAwait(false);
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

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            ThrowDisposed();
        }
    }

    [DoesNotReturn]
    private void ThrowDisposed() => throw new ObjectDisposedException(nameof(PerfKitCache), $"The cache '{Name}' is disposed.");

    private void ValidateEntryOptions(CacheEntryOptions options)
    {
        options.Validate(nameof(options));
        if (options.Lifetime > _options.MaximumEntryLifetime)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Lifetime, $"CacheEntryOptions.Duration plus Jitter and FailSafeMaxStaleness ({options.Lifetime}) exceeds PerfKitCacheOptions.MaximumEntryLifetime ({_options.MaximumEntryLifetime}) of cache '{Name}'.");
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
        if (entry.Tags is not { } tags || _tags.IsEmpty)
        {
            return true;
        }

        foreach (var tag in tags)
        {
            if (_tags.InvalidatedAfter(tag, entry.CreatedUtcMs))
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
        var durationMs = (long)Math.Min(duration.TotalMilliseconds, _maxLifetimeMs);
        if (options.Jitter > TimeSpan.Zero)
        {
            durationMs += Random.Shared.NextInt64((long)options.Jitter.TotalMilliseconds + 1);
        }

        // Fresh and stale together never outlive MaximumEntryLifetime: tag invalidations are remembered that long.
        durationMs = Math.Min(durationMs, _maxLifetimeMs);
        var lifetimeMs = Math.Min(durationMs + (long)(options.FailSafeMaxStaleness?.TotalMilliseconds ?? 0), _maxLifetimeMs);
        var expiresAt = now + durationMs;
        var staleUntil = now + lifetimeMs;
        var eagerAt = options.EagerRefreshThreshold is { } threshold ? now + (long)(durationMs * threshold) : long.MaxValue;
        var tagArray = tags is null or { Count: 0 } ? null : tags.ToArray();

        // The wall-clock time is only needed for tag invalidation and L2 envelopes; skip the clock read otherwise.
        var createdUtc = tagArray is null && _store is null ? 0 : _clock.UtcNowMs;
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
            _metrics.Add(_metrics.Instruments.Evictions, "reason", "capacity", evicted);
        }
    }
}
