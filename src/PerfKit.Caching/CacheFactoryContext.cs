namespace PerfKit.Caching;

/// <summary>
/// What a factory can see and decide: the stale value if any, and the entry's duration, tags, and whether to cache
/// at all. Not generic, so that the value type of a call is inferred from the factory's return type.
/// </summary>
/// <remarks>
/// The context is valid until the factory's <see cref="ValueTask{TResult}"/> completes: a factory that completes
/// synchronously hands its context back for reuse (the miss path then allocates no context), so do not keep it.
/// </remarks>
public sealed class CacheFactoryContext
{
    [ThreadStatic]
    private static CacheFactoryContext? t_spare;

    private object? _staleValue;
    private long _size;

    private CacheFactoryContext()
    {
        Key = string.Empty;
    }

    /// <summary>The key being loaded.</summary>
    public string Key { get; private set; }

    /// <summary>Whether an expired value is at hand (fail-safe), for conditional refreshes.</summary>
    public bool HasStaleValue { get; private set; }

    /// <summary>Gets the expired value, if there is one of type <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="value">The stale value.</param>
    /// <returns>Whether there was one.</returns>
    public bool TryGetStaleValue<T>(out T? value)
    {
        if (HasStaleValue && _staleValue is T typed)
        {
            value = typed;
            return true;
        }

        value = default;
        return HasStaleValue && _staleValue is null && default(T) is null;
    }

    /// <summary>How long the result stays fresh; set it from the value (for example a token's own expiry).</summary>
    public TimeSpan Duration { get; set; }

    /// <summary>The result's tags; set them from the value.</summary>
    public IReadOnlyList<string>? Tags { get; set; }

    /// <summary>The result's weight against <see cref="PerfKitCacheOptions.MaximumWeight"/>; zero or more.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public long Size
    {
        get => _size;
        set
        {
            if (value < 0)
            {
                ThrowNegativeSize(value);
            }

            _size = value;
        }
    }

    /// <summary>Whether <see cref="DoNotCache"/> was called.</summary>
    public bool IsNotCached { get; private set; }

    /// <summary>Return the result to the callers waiting now, but do not store it (an error page, a partial answer).</summary>
    public void DoNotCache() => IsNotCached = true;

    private static void ThrowNegativeSize(long value) =>
        throw new ArgumentOutOfRangeException(nameof(Size), value, "CacheFactoryContext.Size must not be negative: a negative weight would let L1 hold more than PerfKitCacheOptions.MaximumWeight.");

    internal static CacheFactoryContext Rent(string key, CacheEntryOptions options, bool hasStaleValue, object? staleValue)
    {
        var context = t_spare ?? new CacheFactoryContext();
        t_spare = null;
        context.Key = key;
        context.Duration = options.Duration;
        context.Tags = options.Tags;
        context._size = options.Size;
        context.HasStaleValue = hasStaleValue;
        context._staleValue = staleValue;
        context.IsNotCached = false;
        return context;
    }

    internal void Return()
    {
        Key = string.Empty;
        Tags = null;
        _staleValue = null;
        t_spare = this;
    }
}
