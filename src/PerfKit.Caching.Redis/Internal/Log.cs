using Microsoft.Extensions.Logging;

namespace PerfKit.Caching.Redis.Internal;

/// <summary>
/// Every log of PerfKit.Caching.Redis. Event ids 2500–2599 are reserved for this package inside Caching's range
/// (see CONTRIBUTING.md): 2500–2519 backplane, 2520–2539 connection.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2500, EventName = "BackplaneSubscribeFailed", Level = LogLevel.Warning,
        Message = "The Redis backplane is still not subscribed to channel {Channel} after {Elapsed}; retrying with backoff, and L1 copies are revalidated on their interval meanwhile")]
    public static partial void SubscribeFailed(ILogger logger, Exception? exception, string channel, TimeSpan elapsed);

    [LoggerMessage(EventId = 2501, EventName = "BackplaneMessageUnreadable", Level = LogLevel.Warning,
        Message = "An unreadable message arrived on the Redis backplane channel {Channel}; it was ignored")]
    public static partial void MessageUnreadable(ILogger logger, string channel);

    [LoggerMessage(EventId = 2502, EventName = "BackplaneHandlerFailed", Level = LogLevel.Warning,
        Message = "A backplane handler threw on channel {Channel}")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string channel);

    [LoggerMessage(EventId = 2503, EventName = "BackplaneSubscribePending", Level = LogLevel.Debug,
        Message = "The Redis backplane is not subscribed to channel {Channel} yet (attempt {Attempt}); retrying")]
    public static partial void SubscribePending(ILogger logger, Exception? exception, string channel, int attempt);

    [LoggerMessage(EventId = 2504, EventName = "BackplaneSubscribed", Level = LogLevel.Information,
        Message = "The Redis backplane is subscribed to channel {Channel} again")]
    public static partial void Subscribed(ILogger logger, string channel);

    [LoggerMessage(EventId = 2520, EventName = "RedisConnectFailed", Level = LogLevel.Warning,
        Message = "Could not connect to Redis at {Endpoints}; retrying with backoff (next attempt in {Delay})")]
    public static partial void ConnectFailed(ILogger logger, Exception exception, string endpoints, TimeSpan delay);

    [LoggerMessage(EventId = 2521, EventName = "RedisConnectRetryFailed", Level = LogLevel.Debug,
        Message = "Connect attempt {Attempt} to Redis at {Endpoints} failed; next attempt in {Delay}")]
    public static partial void ConnectRetryFailed(ILogger logger, Exception exception, int attempt, string endpoints, TimeSpan delay);

    [LoggerMessage(EventId = 2522, EventName = "RedisConnected", Level = LogLevel.Information,
        Message = "Connected to Redis at {Endpoints} after {Attempts} attempts")]
    public static partial void Connected(ILogger logger, string endpoints, int attempts);

    [LoggerMessage(EventId = 2523, EventName = "RedisWarmupFailed", Level = LogLevel.Warning,
        Message = "Redis at {Endpoints} did not answer within {Bound} while the host started; the host starts anyway, and the cache serves from L1 and queues its writes until Redis answers")]
    public static partial void RedisWarmupFailed(ILogger logger, Exception exception, string endpoints, TimeSpan bound);
}
