using Microsoft.Extensions.Logging;

namespace PerfKit.Caching.Internal;

/// <summary>PerfKit.Caching's log messages: event ids 2000–2999.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2000, EventName = "FactoryFailedServingStale", Level = LogLevel.Warning,
        Message = "Cache {Cache}: the factory for key {Key} failed; serving the stale value (fail-safe) until {RetryIn} from now")]
    public static partial void FactoryFailedServingStale(ILogger logger, Exception exception, string cache, string key, TimeSpan retryIn);

    [LoggerMessage(EventId = 2001, EventName = "FactoryTimedOutServingStale", Level = LogLevel.Information,
        Message = "Cache {Cache}: the factory for key {Key} passed its {Kind} timeout; serving the stale value")]
    public static partial void FactoryTimedOutServingStale(ILogger logger, string cache, string key, string kind);

    [LoggerMessage(EventId = 2002, EventName = "BackgroundFactoryFailed", Level = LogLevel.Warning,
        Message = "Cache {Cache}: a background refresh of key {Key} failed")]
    public static partial void BackgroundFactoryFailed(ILogger logger, Exception exception, string cache, string key);

    [LoggerMessage(EventId = 2010, EventName = "DistributedCacheFailed", Level = LogLevel.Warning,
        Message = "Cache {Cache}: the distributed cache failed on {Operation} of key {Key}; skipping it for {BreakDuration}")]
    public static partial void DistributedCacheFailed(ILogger logger, Exception exception, string cache, string operation, string key, TimeSpan breakDuration);

    [LoggerMessage(EventId = 2011, EventName = "DistributedPayloadUnreadable", Level = LogLevel.Warning,
        Message = "Cache {Cache}: the distributed payload of key {Key} could not be read (corrupt or written by another version of the type); treated as a miss and overwritten")]
    public static partial void DistributedPayloadUnreadable(ILogger logger, Exception? exception, string cache, string key);

    [LoggerMessage(EventId = 2012, EventName = "BackplanePublishFailed", Level = LogLevel.Warning,
        Message = "Cache {Cache}: the backplane could not publish the invalidation of {Kind} {Value}; other nodes revalidate within PerfKitCacheOptions.BackplaneRevalidationInterval")]
    public static partial void BackplanePublishFailed(ILogger logger, Exception exception, string cache, CacheInvalidationKind kind, string value);

    [LoggerMessage(EventId = 2020, EventName = "ShrunkUnderPressure", Level = LogLevel.Information,
        Message = "Cache {Cache}: dropped {Entries} entries under {Level} memory pressure")]
    public static partial void ShrunkUnderPressure(ILogger logger, string cache, long entries, PerfKit.Memory.MemoryPressureLevel level);
}
