namespace PerfKit.Caching.Internal;

/// <summary>One L1 entry. Times are milliseconds on <see cref="CacheClock"/>; tag checks use UTC milliseconds.</summary>
internal sealed class CacheEntry(string key, object? value, long expiresAt, long staleUntil, long eagerRefreshAt, long createdUtcMs, string[]? tags, long size)
{
    public readonly string Key = key;
    public readonly object? Value = value;
    public readonly long ExpiresAt = expiresAt;
    public readonly long StaleUntil = staleUntil;
    public readonly long CreatedUtcMs = createdUtcMs;
    public readonly string[]? Tags = tags;
    public readonly long Size = size;

    // SIEVE: set on every hit without a lock; cleared by the eviction hand.
    public bool Visited;

    // Doubly linked FIFO of SIEVE, guarded by the store's lock.
    public CacheEntry? Newer;
    public CacheEntry? Older;
    public bool Linked;

    // Eager refresh starts from here on; pushed back after a refresh fails (so a failing refresh backs off).
    public long EagerRefreshAt = eagerRefreshAt;

    // Fail-safe throttle: until then a stale value is served without calling the factory again.
    public long FailSafeRetryAt;

    // With a backplane: until then the L1 copy is trusted; after it, the next read checks L2 (bounds a lost message).
    public long RevalidateAt = long.MaxValue;

    // Each reader gets its own copy (CacheEntryOptions.CopyOnRead).
    public bool CopyOnRead;
}

/// <summary>
/// Milliseconds since an arbitrary origin. With the system clock this is <see cref="Environment.TickCount64"/>
/// (a couple of nanoseconds, unlike a high-resolution timestamp), so the hit path stays cheap; any other
/// <see cref="TimeProvider"/> (a fake in tests) is honoured through its timestamps.
/// </summary>
internal sealed class CacheClock(TimeProvider timeProvider)
{
    private readonly bool _system = ReferenceEquals(timeProvider, TimeProvider.System);

    public TimeProvider TimeProvider { get; } = timeProvider;

    public long NowMs => _system ? Environment.TickCount64 : ToMilliseconds(TimeProvider.GetTimestamp(), TimeProvider.TimestampFrequency);

    public long UtcNowMs => TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Divides before it multiplies: <c>timestamp * 1000</c> overflows (at once for a fake clock's ticks since year 1, after ~107 days for a 1 GHz counter).</summary>
    internal static long ToMilliseconds(long timestamp, long frequency) =>
        (timestamp / frequency * 1000) + (timestamp % frequency * 1000 / frequency);
}
