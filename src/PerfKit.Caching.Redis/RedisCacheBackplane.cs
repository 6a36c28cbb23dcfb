using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PerfKit.Caching.Redis.Internal;
using StackExchange.Redis;

namespace PerfKit.Caching.Redis;

/// <summary>
/// An <see cref="ICacheBackplane"/> over Redis pub/sub. <see cref="PublishAsync"/> returns when the server has taken the
/// message and throws when it could not be handed to a connected server (so the cache counts it as an error, not as
/// sent). The subscription is kept by a background loop: StackExchange.Redis re-subscribes after a reconnect, and the
/// loop retries with backoff when it does not; a warning is logged only when the channel is still not subscribed after
/// a bounded time. Messages published while a node is disconnected are lost to it, which
/// <see cref="PerfKitCacheOptions.BackplaneRevalidationInterval"/> bounds.
/// </summary>
public sealed class RedisCacheBackplane : ICacheBackplane, IDisposable, IAsyncDisposable
{
    private const string FormatVersion = "1";
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LastRetryDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan HealthCheckInterval = TimeSpan.FromSeconds(1);

    private readonly RedisConnection _connection;
    private readonly bool _ownsConnectionHolder;
    private readonly RedisChannel _channel;
    private readonly string _channelName;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly Action<RedisChannel, RedisValue> _onMessage;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _sync = new();
    private Action<CacheInvalidation>[] _handlers = [];
    private Task? _subscriptionLoop;
    private ISubscriber? _subscribedWith;

    // The connection the handler is subscribed on. GetSubscriber() returns a new ISubscriber object on every call, so the
    // subscriber cannot tell whether this connection already has the handler: comparing it added one more handler every
    // health check (one a second), and every message was handled once more per second of uptime.
    private IConnectionMultiplexer? _subscribedOn;
    private int _healthChecks;
    private bool _disposed;

    /// <summary>Creates a backplane on a connection you own (borrowed: PerfKit never closes it).</summary>
    /// <param name="multiplexer">The connection.</param>
    /// <param name="options">Its <see cref="PerfKitRedisOptions.Channel"/> is used.</param>
    /// <param name="dependencies">The logger factory and the clock; default none and the system clock.</param>
    public RedisCacheBackplane(IConnectionMultiplexer multiplexer, PerfKitRedisOptions options, PerfKitRedisDependencies? dependencies = null)
        : this(RedisConnection.Borrow(multiplexer), ownsHolder: true, options, dependencies)
    {
    }

    /// <summary>Creates a backplane on the shared <see cref="RedisConnection"/> (which it does not dispose).</summary>
    /// <param name="connection">The shared connection.</param>
    /// <param name="options">Its <see cref="PerfKitRedisOptions.Channel"/> is used.</param>
    /// <param name="dependencies">The logger factory and the clock; default none and the system clock.</param>
    public RedisCacheBackplane(RedisConnection connection, PerfKitRedisOptions options, PerfKitRedisDependencies? dependencies = null)
        : this(connection ?? throw new ArgumentNullException(nameof(connection)), ownsHolder: false, options, dependencies)
    {
    }

    private RedisCacheBackplane(RedisConnection connection, bool ownsHolder, PerfKitRedisOptions options, PerfKitRedisDependencies? dependencies)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Channel))
        {
            throw new ArgumentException("PerfKitRedisOptions.Channel must not be empty: it is the pub/sub channel the nodes of a cache share.", nameof(options));
        }

        _connection = connection;
        _ownsConnectionHolder = ownsHolder;
        _channelName = options.Channel;
        _channel = RedisChannel.Literal(_channelName);
        _logger = (dependencies?.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("PerfKit.Caching.Redis.RedisCacheBackplane");
        _timeProvider = dependencies?.TimeProvider ?? TimeProvider.System;
        _onMessage = (_, message) => Dispatch(message);
    }

    /// <summary>How long the channel may stay unsubscribed before a warning is logged (debug logs before that).</summary>
    internal TimeSpan SubscribeWarningDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether the channel is subscribed on a connected server right now.</summary>
    /// <summary>Health checks that found the subscription live (for tests: each is one turn of the loop).</summary>
    internal int HealthChecks => Volatile.Read(ref _healthChecks);

    internal bool IsSubscribed => Volatile.Read(ref _subscribedWith) is { } subscriber && IsLiveOn(subscriber);

    /// <inheritdoc />
    /// <exception cref="RedisConnectionException">No connected server took the message; the message names the endpoints.</exception>
    /// <exception cref="TimeoutException">The connection is still being opened; the message names the endpoints.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    public async ValueTask PublishAsync(CacheInvalidation invalidation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invalidation);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        var message = Encode(invalidation);
        var multiplexer = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        var subscriber = multiplexer.GetSubscriber();
        if (!subscriber.IsConnected(_channel))
        {
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect,
                $"The Redis backplane is not connected to {_connection.Endpoints}: the invalidation was not sent on channel {_channelName}.");
        }

        // Awaited, not fire-and-forget: returning normally means a connected server took the message.
        await RedisTasks.WaitAsync(subscriber.PublishAsync(_channel, message), _connection, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public IDisposable Subscribe(Action<CacheInvalidation> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _handlers = [.. _handlers, handler];
            if (_subscriptionLoop is null)
            {
                _subscriptionLoop = Task.Run(() => KeepSubscribedAsync(_stopping.Token));
                RedisTasks.Observe(_subscriptionLoop);
            }
        }

        return new Subscription(this, handler);
    }

    /// <summary>Leaves the channel; a connection given as a multiplexer or a <see cref="RedisConnection"/> stays open.</summary>
    public void Dispose()
    {
        if (BeginDispose())
        {
            if (_ownsConnectionHolder)
            {
                _connection.Dispose();
            }
        }
    }

    /// <summary>Leaves the channel; a connection given as a multiplexer or a <see cref="RedisConnection"/> stays open.</summary>
    /// <returns>A task that completes when it is done.</returns>
    public async ValueTask DisposeAsync()
    {
        if (BeginDispose())
        {
            if (_ownsConnectionHolder)
            {
                await _connection.DisposeAsync().ConfigureAwait(false);
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

    private bool IsLiveOn(ISubscriber subscriber)
    {
        try
        {
            return subscriber.IsConnected(_channel) && subscriber.SubscribedEndpoint(_channel) is not null;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    private async Task KeepSubscribedAsync(CancellationToken stopping)
    {
        var delay = FirstRetryDelay;
        var attempt = 0;
        long? unsubscribedSince = null;
        var warned = false;
        while (!stopping.IsCancellationRequested)
        {
            Exception? error = null;
            try
            {
                var multiplexer = await _connection.GetAsync(stopping).ConfigureAwait(false);
                var subscriber = multiplexer.GetSubscriber();
                if (!ReferenceEquals(Volatile.Read(ref _subscribedOn), multiplexer))
                {
                    // StackExchange.Redis keeps the handler even when this call fails, and re-subscribes it after a
                    // reconnect: subscribe once per connection (twice would deliver every message twice).
                    Volatile.Write(ref _subscribedOn, multiplexer);
                    Volatile.Write(ref _subscribedWith, subscriber);
                    await RedisTasks.WaitAsync(subscriber.SubscribeAsync(_channel, _onMessage), stopping).ConfigureAwait(false);
                    if (stopping.IsCancellationRequested)
                    {
                        // Disposed meanwhile: leave the channel, which Dispose could not see yet.
                        subscriber.Unsubscribe(_channel, _onMessage, CommandFlags.FireAndForget);
                        return;
                    }
                }

                if (IsLiveOn(subscriber))
                {
                    if (warned)
                    {
                        Log.Subscribed(_logger, _channelName);
                    }

                    (attempt, delay, unsubscribedSince, warned) = (0, FirstRetryDelay, null, false);
                    Interlocked.Increment(ref _healthChecks);
                    await Task.Delay(HealthCheckInterval, _timeProvider, stopping).ConfigureAwait(false);
                    continue;
                }

                if (attempt > 0 && attempt % 4 == 0 && multiplexer.IsConnected)
                {
                    // Connected but still not subscribed after a few checks: subscribe again (remove first, so the
                    // handler is never registered twice).
                    await RedisTasks.WaitAsync(subscriber.UnsubscribeAsync(_channel, _onMessage), stopping).ConfigureAwait(false);
                    Volatile.Write(ref _subscribedWith, null);
                    Volatile.Write(ref _subscribedOn, null);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Any failure is retried with backoff; revalidation bounds what this node misses meanwhile.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                error = ex;
            }

            attempt++;
            unsubscribedSince ??= _timeProvider.GetTimestamp();
            var elapsed = _timeProvider.GetElapsedTime(unsubscribedSince.Value);
            if (!warned && elapsed >= SubscribeWarningDelay)
            {
                Log.SubscribeFailed(_logger, error, _channelName, elapsed);
                warned = true;
            }
            else
            {
                Log.SubscribePending(_logger, error, _channelName, attempt);
            }

            try
            {
                await Task.Delay(delay, _timeProvider, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = delay * 2 > LastRetryDelay ? LastRetryDelay : delay * 2;
        }
    }

    private bool BeginDispose()
    {
        ISubscriber? subscriber;
        lock (_sync)
        {
            if (_disposed)
            {
                return false;
            }

            _disposed = true;
            _handlers = [];
            subscriber = _subscribedWith;
            _subscribedWith = null;
        }

        _stopping.Cancel();
        _stopping.Dispose();
        if (subscriber is not null)
        {
            try
            {
                subscriber.Unsubscribe(_channel, _onMessage, CommandFlags.FireAndForget);
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

        return true;
    }

    private void Dispatch(RedisValue message)
    {
        if (Decode(message) is not { } invalidation)
        {
            Log.MessageUnreadable(_logger, _channelName);
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
                Log.HandlerFailed(_logger, ex, _channelName);
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
}
