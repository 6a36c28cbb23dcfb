using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PerfKit.Caching.Redis.Internal;
using StackExchange.Redis;

namespace PerfKit.Caching.Redis;

/// <summary>
/// The one StackExchange.Redis connection that the L2 store and the backplane share, opened on first use. It is either
/// <b>owned</b> (opened from <see cref="PerfKitRedisOptions.Configuration"/>; closed when this is disposed) or
/// <b>borrowed</b> (from <see cref="PerfKitRedisOptions.ConnectionMultiplexerFactory"/> or <see cref="Borrow"/>; never
/// closed or disposed by PerfKit): see <see cref="OwnsMultiplexer"/>.
/// </summary>
/// <remarks>
/// An owned connection is opened with <c>abortConnect=false</c>, so StackExchange.Redis reconnects by itself after an
/// outage. A connect that fails outright (a factory that throws, a client error) is retried in the background with
/// exponential backoff (100 ms doubling to 30 s) until it succeeds or this is disposed: a transient failure at start
/// never leaves the node without Redis until restart. A caller never waits for a pending connect longer than its
/// token allows, nor longer than the connection's <c>AsyncTimeout</c> (5 s by default, 5 s for a borrowed factory).
/// </remarks>
public sealed class RedisConnection : IDisposable, IAsyncDisposable
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LastRetryDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan BorrowedWaitLimit = TimeSpan.FromSeconds(5);

    private readonly Func<Task<IConnectionMultiplexer>> _connect;
    private readonly CancellationTokenSource _disposing = new();
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _sync = new();
    private TimeSpan _waitLimit;
    private IConnectionMultiplexer? _multiplexer;
    private Task<IConnectionMultiplexer>? _connecting;
    private Exception? _lastError;
    private string _endpoints;
    private int _disposed;

    /// <summary>
    /// Creates the holder from <paramref name="options"/>: owned when <see cref="PerfKitRedisOptions.Configuration"/> is
    /// set, borrowed when <see cref="PerfKitRedisOptions.ConnectionMultiplexerFactory"/> is. Nothing connects until
    /// <see cref="GetAsync"/>.
    /// </summary>
    /// <param name="options">Where to connect; validated as at host start.</param>
    /// <param name="dependencies">The logger factory and the clock of the retry backoff; default none and the system clock.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message names the option.</exception>
    public RedisConnection(PerfKitRedisOptions options, PerfKitRedisDependencies? dependencies = null)
    {
        PerfKitRedisOptionsValidator.ThrowIfInvalid(options, store: false, connection: true);
        _timeProvider = dependencies?.TimeProvider ?? TimeProvider.System;
        _logger = (dependencies?.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("PerfKit.Caching.Redis.RedisConnection");
        if (options.ConnectionMultiplexerFactory is { } factory)
        {
            _connect = factory;
            _endpoints = "a borrowed connection";
            _waitLimit = BorrowedWaitLimit;
            return;
        }

        var configuration = PerfKitRedisOptionsValidator.TryParse(options.Configuration, out _)!;
        configuration.AbortOnConnectFail = false;
        OwnsMultiplexer = true;
        _endpoints = Describe(configuration.EndPoints);
        _waitLimit = TimeSpan.FromMilliseconds(Math.Max(configuration.AsyncTimeout, 1));
        _connect = async () => await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
    }

    private RedisConnection(IConnectionMultiplexer multiplexer)
    {
        _multiplexer = multiplexer;
        _connect = () => Task.FromResult(multiplexer);
        _timeProvider = TimeProvider.System;
        _logger = NullLogger.Instance;
        _endpoints = Describe(multiplexer.GetEndPoints());
        _waitLimit = TimeSpan.FromMilliseconds(Math.Max(multiplexer.TimeoutMilliseconds, 1));
    }

    /// <summary>
    /// Whether PerfKit opened this connection and closes it on dispose (<see langword="true"/>), or borrowed it from you
    /// and never closes it (<see langword="false"/>).
    /// </summary>
    public bool OwnsMultiplexer { get; }

    /// <summary>The Redis endpoints, as named in error messages and logs.</summary>
    public string Endpoints => Volatile.Read(ref _endpoints);

    /// <summary>Borrows an open connection: PerfKit uses it and never closes or disposes it.</summary>
    /// <param name="multiplexer">Your connection.</param>
    /// <returns>The holder.</returns>
    public static RedisConnection Borrow(IConnectionMultiplexer multiplexer)
    {
        ArgumentNullException.ThrowIfNull(multiplexer);
        return new RedisConnection(multiplexer);
    }

    /// <summary>
    /// The shared connection, connecting on first call. Waits for a pending connect no longer than
    /// <paramref name="cancellationToken"/> allows, nor longer than the connection's <c>AsyncTimeout</c>.
    /// </summary>
    /// <param name="cancellationToken">Stops the wait (not the connect, which goes on for the next caller).</param>
    /// <returns>The multiplexer (which may be reconnecting: StackExchange.Redis recovers by itself).</returns>
    /// <exception cref="TimeoutException">The connect is still pending; the message names the endpoints.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    /// <exception cref="ObjectDisposedException">This holder was disposed.</exception>
    public ValueTask<IConnectionMultiplexer> GetAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _multiplexer) is { } multiplexer && Volatile.Read(ref _disposed) == 0)
        {
            return ValueTask.FromResult(multiplexer);
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return WaitForConnectAsync(cancellationToken);
    }

    /// <summary>Closes the connection if it is owned; a borrowed one is left open. Idempotent.</summary>
    public void Dispose()
    {
        if (BeginDispose() is { } owned)
        {
            owned.Dispose();
        }
    }

    /// <summary>Closes the connection if it is owned; a borrowed one is left open. Idempotent.</summary>
    /// <returns>A task that completes when it is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (BeginDispose() is { } owned)
        {
            await owned.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// How long a call may wait for Redis when its token cannot fire: the owned connection's <c>AsyncTimeout</c>, or a
    /// borrowed one's <c>TimeoutMilliseconds</c> (5 s until it is known).
    /// </summary>
    internal TimeSpan OperationTimeout => _waitLimit;

    /// <summary>The connection if it is open, without waiting.</summary>
    internal bool TryGet(out IConnectionMultiplexer multiplexer)
    {
        multiplexer = Volatile.Read(ref _multiplexer)!;
        return multiplexer is not null && Volatile.Read(ref _disposed) == 0;
    }

    private static string Describe(IEnumerable<EndPoint> endpoints)
    {
        var names = endpoints.Select(static e => e switch
        {
            DnsEndPoint dns => dns.Host + ":" + dns.Port.ToString(CultureInfo.InvariantCulture),
            _ => e.ToString() ?? "?",
        });
        var text = string.Join(",", names);
        return text.Length == 0 ? "(no endpoint)" : text;
    }

    private async ValueTask<IConnectionMultiplexer> WaitForConnectAsync(CancellationToken cancellationToken)
    {
        Task<IConnectionMultiplexer> connecting;
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            connecting = _connecting ??= StartConnecting();
        }

        try
        {
            return await connecting.WaitAsync(_waitLimit, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            var inner = Volatile.Read(ref _lastError) ?? ex;
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                $"Redis at {Endpoints} is not connected: the connect was still pending after {_waitLimit.TotalMilliseconds:0} ms (the connection's AsyncTimeout); it goes on in the background. Last error: {inner.Message}"), inner);
        }
    }

    private Task<IConnectionMultiplexer> StartConnecting()
    {
        var task = Task.Run(ConnectWithRetryAsync);
        RedisTasks.Observe(task); // after dispose nobody may await it
        return task;
    }

    private async Task<IConnectionMultiplexer> ConnectWithRetryAsync()
    {
        var delay = FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            IConnectionMultiplexer multiplexer;
            try
            {
                multiplexer = await _connect().ConfigureAwait(false)
                    ?? throw new InvalidOperationException("PerfKitRedisOptions.ConnectionMultiplexerFactory returned null.");
            }
#pragma warning disable CA1031 // Any failure to connect is retried with backoff; the caller sees it through GetAsync's timeout message.
            catch (Exception ex) when (Volatile.Read(ref _disposed) == 0)
#pragma warning restore CA1031
            {
                Volatile.Write(ref _lastError, ex);
                var wait = delay + TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)(delay.TotalMilliseconds / 4) + 1));
                if (attempt == 1)
                {
                    Log.ConnectFailed(_logger, ex, Endpoints, wait);
                }
                else
                {
                    Log.ConnectRetryFailed(_logger, ex, attempt, Endpoints, wait);
                }

                await Task.Delay(wait, _timeProvider, _disposing.Token).ConfigureAwait(false);
                delay = delay * 2 > LastRetryDelay ? LastRetryDelay : delay * 2;
                continue;
            }

            if (!OwnsMultiplexer)
            {
                Volatile.Write(ref _endpoints, Describe(multiplexer.GetEndPoints()));
                _waitLimit = TimeSpan.FromMilliseconds(Math.Max(multiplexer.TimeoutMilliseconds, 1));
            }

            lock (_sync)
            {
                if (_disposed == 0)
                {
                    Volatile.Write(ref _multiplexer, multiplexer);
                    if (attempt > 1)
                    {
                        Log.Connected(_logger, Endpoints, attempt);
                    }

                    return multiplexer;
                }
            }

            // Disposed while connecting: what finished after dispose is closed, not stored (if it is ours).
            if (OwnsMultiplexer)
            {
                await multiplexer.DisposeAsync().ConfigureAwait(false);
            }

            throw new ObjectDisposedException(nameof(RedisConnection));
        }
    }

    private IConnectionMultiplexer? BeginDispose()
    {
        IConnectionMultiplexer? multiplexer;
        lock (_sync)
        {
            if (_disposed != 0)
            {
                return null;
            }

            _disposed = 1;
            multiplexer = _multiplexer;
        }

        _disposing.Cancel();
        _disposing.Dispose();
        return OwnsMultiplexer ? multiplexer : null;
    }
}
