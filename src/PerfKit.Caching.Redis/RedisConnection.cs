using StackExchange.Redis;

namespace PerfKit.Caching.Redis;

/// <summary>
/// The one StackExchange.Redis connection that the L2 and the backplane share, opened on first use. With a
/// configuration string it is opened with <c>abortConnect=false</c>: a Redis that is down at start, or goes down
/// later, is retried in the background while the cache serves from L1 and factories.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly Lazy<Task<IConnectionMultiplexer>> _connection;
    private readonly bool _owned;

    /// <summary>Creates the holder; nothing connects until <see cref="GetAsync"/>.</summary>
    /// <param name="options">Where to connect.</param>
    /// <exception cref="ArgumentException">Neither <see cref="PerfKitRedisOptions.Configuration"/> nor <see cref="PerfKitRedisOptions.ConnectionMultiplexerFactory"/> is set.</exception>
    public RedisConnection(PerfKitRedisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ConnectionMultiplexerFactory is { } factory)
        {
            _connection = new Lazy<Task<IConnectionMultiplexer>>(factory);
            return;
        }

        if (string.IsNullOrWhiteSpace(options.Configuration))
        {
            throw new ArgumentException("PerfKitRedisOptions.Configuration (or ConnectionMultiplexerFactory) is required: where is Redis?", nameof(options));
        }

        var configuration = ConfigurationOptions.Parse(options.Configuration);
        configuration.AbortOnConnectFail = false;
        _owned = true;
        _connection = new Lazy<Task<IConnectionMultiplexer>>(async () => await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false));
    }

    /// <summary>The shared connection (connecting on first call).</summary>
    /// <returns>The multiplexer.</returns>
    public Task<IConnectionMultiplexer> GetAsync() => _connection.Value;

    /// <summary>Closes the connection if this holder opened it.</summary>
    /// <returns>A task that completes when it is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_owned && _connection.IsValueCreated && _connection.Value.IsCompletedSuccessfully)
        {
            await _connection.Value.Result.DisposeAsync().ConfigureAwait(false);
        }
    }
}
