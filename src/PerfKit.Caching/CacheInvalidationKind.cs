namespace PerfKit.Caching;

/// <summary>What an invalidation names.</summary>
public enum CacheInvalidationKind
{
    /// <summary>One key.</summary>
    Key = 0,

    /// <summary>Every entry with a tag.</summary>
    Tag = 1,
}
