namespace PerfKit.Caching.Hybrid;

/// <summary>How <see cref="PerfKitHybridCache"/> maps Microsoft's <c>HybridCache</c> contract onto a PerfKit cache.</summary>
public sealed class PerfKitHybridCacheOptions
{
    /// <summary>Default of <see cref="MaximumKeyLength"/>: 1,024 characters, as Microsoft's <c>HybridCacheOptions.MaximumKeyLength</c>.</summary>
    public const int DefaultMaximumKeyLength = 1024;

    /// <summary>
    /// Give every caller its own copy of a value whose type <c>HybridCache</c> would copy (anything but strings, primitives,
    /// value types without references and sealed types marked <c>[ImmutableObject(true)]</c>), through the cache's
    /// serializer, as <c>HybridCache</c> does. Default true. False: every caller gets the stored object itself (PerfKit's
    /// native behaviour, no copy at all), which is faster but leaves callers free to change a shared object.
    /// </summary>
    public bool CopyMutableValues { get; set; } = true;

    /// <summary>
    /// Keys longer than this are not cached: the factory runs for each call and its result is returned uncached (logged),
    /// as <c>HybridCache</c> does. Default <see cref="DefaultMaximumKeyLength"/>; at least 1.
    /// </summary>
    public int MaximumKeyLength { get; set; } = DefaultMaximumKeyLength;
}
