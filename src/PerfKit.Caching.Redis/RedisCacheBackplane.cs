using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace PerfKit.Caching.Redis;

/// <summary>
/// An <see cref="ICacheBackplane"/> over Redis pub/sub. Publishing is fire-and-forget (a write never waits for the
/// other nodes); StackExchange.Redis re-subscribes after a reconnect. Messages published while a node is
/// disconnected are lost to it, which <see cref="PerfKitCacheOptions.BackplaneRevalidationInterval"/> bounds.
/// </summary>
public sealed partial class RedisCacheBackplane : ICacheBackplane, IDisposable
{
    private const string FormatVersion = "1";

    private readonly Func<Task<IConnectionMultiplexer>> _connection;
    private readonly RedisChannel _channel;
    private readonly ILogger _logger;
    private readonly Lock _sync = new();
    private Action<CacheInvalidation>[] _handlers = [];
    private Task? _subscribed;

    /// <summary>Creates a backplane on an existing connection.</summary>
    /// <param name="multiplexer">The connection.</param>
    /// <param name="channel">The channel; default <see cref="PerfKitRedisOptions.DefaultChannel"/>.</param>
    /// <param name="loggerFactory">Where logs go; default none.</param>
    public RedisCacheBackplane(IConnectionMultiplexer multiplexer, string? channel = null, ILoggerFactory? loggerFactory = null)
        : this(() => Task.FromResult(multiplexer ?? throw new ArgumentNullException(nameof(multiplexer))), channel, loggerFactory)
    {
    }

    /// <summary>Creates a backplane on the shared <see cref="RedisConnection"/>.</summary>
    /// <param name="connection">The shared connection.</param>
    /// <param name="channel">The channel; default <see cref="PerfKitRedisOptions.DefaultChannel"/>.</param>
    /// <param name="loggerFactory">Where logs go; default none.</param>
    public RedisCacheBackplane(RedisConnection connection, string? channel = null, ILoggerFactory? loggerFactory = null)
        : this((connection ?? throw new ArgumentNullException(nameof(connection))).GetAsync, channel, loggerFactory)
    {
    }

    private RedisCacheBackplane(Func<Task<IConnectionMultiplexer>> connection, string? channel, ILoggerFactory? loggerFactory)
    {
        _connection = connection;
        _channel = RedisChannel.Literal(string.IsNullOrEmpty(channel) ? PerfKitRedisOptions.DefaultChannel : channel);
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("PerfKit.Caching.Redis.RedisCacheBackplane");
    }

    /// <inheritdoc />
    public async ValueTask PublishAsync(CacheInvalidation invalidation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invalidation);
        var multiplexer = await _connection().WaitAsync(cancellationToken).ConfigureAwait(false);
        await multiplexer.GetSubscriber().PublishAsync(_channel, Encode(invalidation), CommandFlags.FireAndForget).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public IDisposable Subscribe(Action<CacheInvalidation> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_sync)
        {
            _handlers = [.. _handlers, handler];
            _subscribed ??= SubscribeAsync();
        }

        return new Subscription(this, handler);
    }

    /// <summary>Leaves the channel.</summary>
    public void Dispose()
    {
        lock (_sync)
        {
            _handlers = [];
        }

        if (_subscribed is { IsCompletedSuccessfully: true })
        {
            var connection = _connection();
            if (connection.IsCompletedSuccessfully)
            {
                try
                {
                    connection.Result.GetSubscriber().Unsubscribe(_channel, flags: CommandFlags.FireAndForget);
                }
                catch (ObjectDisposedException)
                {
                    // The shared connection was closed first (a container disposes in its own order): nothing to leave.
                }
                catch (RedisException)
                {
                    // Redis is unreachable: the subscription ends with the connection anyway.
                }
            }
        }
    }

    internal static string Encode(CacheInvalidation m)
    {
        if (m.CacheName.Contains('\n', StringComparison.Ordinal) || m.SourceId.Contains('\n', StringComparison.Ordinal))
        {
            throw new ArgumentException("A cache name or source id sent over the Redis backplane must not contain a line break.", nameof(m));
        }

        // The key or tag goes last, so it may contain anything.
        return string.Join('\n', FormatVersion, ((int)m.Kind).ToString(CultureInfo.InvariantCulture), m.TimestampUtcMs.ToString(CultureInfo.InvariantCulture), m.CacheName, m.SourceId, m.Value);
    }

    internal static CacheInvalidation? Decode(string? text)
    {
        var parts = text?.Split('\n', 6);
        if (parts is not { Length: 6 } || parts[0] != FormatVersion
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kind) || !Enum.IsDefined((CacheInvalidationKind)kind)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp)
            || parts[3].Length == 0 || parts[4].Length == 0 || parts[5].Length == 0)
        {
            return null;
        }

        return new CacheInvalidation(parts[3], parts[4], (CacheInvalidationKind)kind, parts[5], timestamp);
    }

    private async Task SubscribeAsync()
    {
        try
        {
            var multiplexer = await _connection().ConfigureAwait(false);
            await multiplexer.GetSubscriber().SubscribeAsync(_channel, (_, message) => Dispatch(message)).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A failed subscription is logged; revalidation bounds what this node misses.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.SubscribeFailed(_logger, ex, _channel.ToString());
            lock (_sync)
            {
                _subscribed = null; // the next Subscribe tries again
            }
        }
    }

    private void Dispatch(RedisValue message)
    {
        if (Decode(message) is not { } invalidation)
        {
            Log.MessageUnreadable(_logger, _channel.ToString());
            return;
        }

        foreach (var handler in Volatile.Read(ref _handlers))
        {
            try
            {
                handler(invalidation);
            }
#pragma warning disable CA1031 // One handler's fault must not stop the others.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.HandlerFailed(_logger, ex, _channel.ToString());
            }
        }
    }

    private sealed class Subscription(RedisCacheBackplane owner, Action<CacheInvalidation> handler) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._sync)
            {
                owner._handlers = [.. owner._handlers.Where(h => h != handler)];
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2500, EventName = "BackplaneSubscribeFailed", Level = LogLevel.Warning,
            Message = "Could not subscribe to the Redis backplane channel {Channel}; L1 copies are revalidated on their interval meanwhile")]
        public static partial void SubscribeFailed(ILogger logger, Exception exception, string channel);

        [LoggerMessage(EventId = 2501, EventName = "BackplaneMessageUnreadable", Level = LogLevel.Warning,
            Message = "An unreadable message arrived on the Redis backplane channel {Channel}; it was ignored")]
        public static partial void MessageUnreadable(ILogger logger, string channel);

        [LoggerMessage(EventId = 2502, EventName = "BackplaneHandlerFailed", Level = LogLevel.Warning,
            Message = "A backplane handler threw on channel {Channel}")]
        public static partial void HandlerFailed(ILogger logger, Exception exception, string channel);
    }
}
