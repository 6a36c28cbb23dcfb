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

    [LoggerMessage(EventId = 2010, EventName = "DistributedCacheUnavailable", Level = LogLevel.Warning,
        Message = "Cache {Cache}: the distributed cache {Outcome} on {Operation}; reads skip it for {BreakDuration}, then probe it one at a time; writes are queued for replay. Further failures are summarised, not logged one by one")]
    public static partial void DistributedUnavailable(ILogger logger, Exception exception, string cache, string operation, string outcome, TimeSpan breakDuration);

    [LoggerMessage(EventId = 2011, EventName = "DistributedPayloadUnreadable", Level = LogLevel.Warning,
        Message = "Cache {Cache}: the distributed payload of key {Key} could not be read (corrupt or written by another version of the type); treated as a miss and overwritten ({Suppressed} more since the last report)")]
    public static partial void DistributedPayloadUnreadable(ILogger logger, Exception? exception, string cache, string key, long suppressed);

    [LoggerMessage(EventId = 2012, EventName = "BackplanePublishFailed", Level = LogLevel.Warning,
        Message = "Cache {Cache}: the backplane could not publish an invalidation of a {Kind} ({Suppressed} more since the last report); other nodes revalidate within PerfKitCacheOptions.BackplaneRevalidationInterval")]
    public static partial void BackplanePublishFailed(ILogger logger, Exception exception, string cache, CacheInvalidationKind kind, long suppressed);

    [LoggerMessage(EventId = 2013, EventName = "DistributedCacheStillUnavailable", Level = LogLevel.Warning,
        Message = "Cache {Cache}: the distributed cache is still unavailable after {Elapsed}: {Failures} failed calls so far (last: {ErrorType}: {ErrorMessage})")]
    public static partial void DistributedStillUnavailable(ILogger logger, string cache, long failures, TimeSpan elapsed, string errorType, string errorMessage);

    [LoggerMessage(EventId = 2014, EventName = "DistributedCacheRecovered", Level = LogLevel.Information,
        Message = "Cache {Cache}: the distributed cache answers again after {Elapsed} ({Failures} failed calls meanwhile); {Pending} queued operations to replay")]
    public static partial void DistributedRecovered(ILogger logger, string cache, TimeSpan elapsed, long failures, int pending);

    [LoggerMessage(EventId = 2015, EventName = "DistributedKeyError", Level = LogLevel.Warning,
        Message = "Cache {Cache}: the distributed cache refused one key on {Operation} (a per-key problem, not an outage); the key is treated as a miss and rewritten ({Suppressed} more since the last report)")]
    public static partial void DistributedKeyError(ILogger logger, Exception exception, string cache, string operation, long suppressed);

    [LoggerMessage(EventId = 2016, EventName = "DistributedPayloadUnwritable", Level = LogLevel.Warning,
        Message = "Cache {Cache}: the value of key {Key} could not be serialized for the distributed cache; it stays in L1 only and L2's older copy is removed ({Suppressed} more since the last report)")]
    public static partial void DistributedPayloadUnwritable(ILogger logger, Exception exception, string cache, string key, long suppressed);

    [LoggerMessage(EventId = 2017, EventName = "DistributedOperationDropped", Level = LogLevel.Error,
        Message = "Cache {Cache}: a queued distributed-cache {Operation} was dropped because {Reason}; L2 may keep an older value until it expires. Further drops are counted in perfkit.cache.l2.outbox.dropped")]
    public static partial void DistributedOperationDropped(ILogger logger, string cache, string operation, string reason);

    [LoggerMessage(EventId = 2018, EventName = "DistributedOutboxReplayed", Level = LogLevel.Information,
        Message = "Cache {Cache}: replayed {Replayed} queued distributed-cache operations; {Left} left")]
    public static partial void DistributedOutboxReplayed(ILogger logger, string cache, int replayed, int left);

    [LoggerMessage(EventId = 2019, EventName = "DistributedOutboxDroppedOnDispose", Level = LogLevel.Error,
        Message = "Cache {Cache}: disposed with {Count} distributed-cache operations still queued; they were dropped (use DisposeAsync to try to deliver them first)")]
    public static partial void DistributedOutboxDroppedOnDispose(ILogger logger, string cache, int count);

    [LoggerMessage(EventId = 2020, EventName = "ShrunkUnderPressure", Level = LogLevel.Information,
        Message = "Cache {Cache}: dropped {Entries} entries under {Level} memory pressure")]
    public static partial void ShrunkUnderPressure(ILogger logger, string cache, long entries, PerfKit.Memory.MemoryPressureLevel level);

    [LoggerMessage(EventId = 2021, EventName = "BatchFailed", Level = LogLevel.Warning,
        Message = "The batch function of loader {Loader} failed for a batch of {BatchSize} keys; its callers get the error and the loader goes on")]
    public static partial void BatchFailed(ILogger logger, Exception exception, string loader, int batchSize);

    [LoggerMessage(EventId = 2022, EventName = "BatchLoaderFull", Level = LogLevel.Warning,
        Message = "The batch loader {Loader} is full ({MaximumPendingKeys} keys waiting or loading, BatchLoaderOptions.MaximumPendingKeys); further keys are refused (logged at most once a minute; {Suppressed} refusals since the last message)")]
    public static partial void BatchLoaderFull(ILogger logger, string loader, int maximumPendingKeys, long suppressed);

    [LoggerMessage(EventId = 2023, EventName = "ManyFactoryFailedServingStale", Level = LogLevel.Warning,
        Message = "Cache {Cache}: the factory of GetOrCreateManyAsync failed for {KeyCount} keys; {StaleCount} of them are served stale (fail-safe) until {RetryIn} from now, the others get the error")]
    public static partial void ManyFactoryFailedServingStale(ILogger logger, Exception exception, string cache, int keyCount, int staleCount, TimeSpan retryIn);

    [LoggerMessage(EventId = 2024, EventName = "ClusterSingleFlightTimedOut", Level = LogLevel.Warning,
        Message = "Cache {Cache}: another node held the single-flight lease of key {Key} for {Timeout} without a result in L2; this node runs the factory itself")]
    public static partial void ClusterSingleFlightTimedOut(ILogger logger, string cache, string key, TimeSpan timeout);

    [LoggerMessage(EventId = 2025, EventName = "HybridKeyTooLong", Level = LogLevel.Warning,
        Message = "Cache {Cache}: a HybridCache key of {Length} characters is longer than PerfKitHybridCacheOptions.MaximumKeyLength ({MaximumKeyLength}); the value is not cached")]
    public static partial void HybridKeyTooLong(ILogger logger, string cache, int length, int maximumKeyLength);
}
