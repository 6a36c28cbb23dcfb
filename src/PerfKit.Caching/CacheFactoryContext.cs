namespace PerfKit.Caching;

/// <summary>
/// What a factory can see and decide: the stale value if any, and the entry's duration, tags, and whether to cache
/// at all. Not generic, so that the value type of a call is inferred from the factory's return type.
/// </summary>
public sealed class CacheFactoryContext
{
    private readonly object? _staleValue;

    internal CacheFactoryContext(string key, CacheEntryOptions options, bool hasStaleValue, object? staleValue)
    {
        Key = key;
        Duration = options.Duration;
        Tags = options.Tags;
        Size = options.Size;
        HasStaleValue = hasStaleValue;
        _staleValue = staleValue;
    }

    /// <summary>The key being loaded.</summary>
    public string Key { get; }

    /// <summary>Whether an expired value is at hand (fail-safe), for conditional refreshes.</summary>
    public bool HasStaleValue { get; }

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

    /// <summary>The result's weight.</summary>
    public long Size { get; set; }

    /// <summary>Whether <see cref="DoNotCache"/> was called.</summary>
    public bool IsNotCached { get; private set; }

    /// <summary>Return the result to the callers waiting now, but do not store it (an error page, a partial answer).</summary>
    public void DoNotCache() => IsNotCached = true;
}
