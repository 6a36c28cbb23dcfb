using StackExchange.Redis;

namespace PerfKit.Caching.Redis;

/// <summary>Options of PerfKit.Caching's Redis L2 store and backplane.</summary>
public sealed class PerfKitRedisOptions
{
    /// <summary>Default of <see cref="Channel"/>.</summary>
    public const string DefaultChannel = "perfkit:cache:invalidations";

    /// <summary>Default of <see cref="KeyPrefix"/>.</summary>
    public const string DefaultKeyPrefix = "perfkit:";

    /// <summary>Default of <see cref="MaximumPayloadBytes"/>: 16 MiB.</summary>
    public const int DefaultMaximumPayloadBytes = 16 * 1024 * 1024;

    /// <summary>Largest allowed <see cref="MaximumPayloadBytes"/>: 512 MiB, the largest string Redis stores.</summary>
    public const int MaxMaximumPayloadBytes = 512 * 1024 * 1024;

    /// <summary>
    /// A StackExchange.Redis configuration string, for example <c>127.0.0.1:6379</c>: PerfKit opens the connection,
    /// <b>owns</b> it and closes it when disposed. <c>abortConnect=false</c> is always applied, so the app starts while
    /// Redis is down and the connection recovers by itself. Set this or <see cref="ConnectionMultiplexerFactory"/>, not both.
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>
    /// Supplies a connection that you <b>own</b> instead of <see cref="Configuration"/>: PerfKit borrows it and never
    /// closes or disposes it. A factory that throws is retried with backoff.
    /// </summary>
    public Func<Task<IConnectionMultiplexer>>? ConnectionMultiplexerFactory { get; set; }

    /// <summary>
    /// Prefixed to every key PerfKit writes (<c>{KeyPrefix}{key}</c> and tag markers <c>{KeyPrefix}__tag:{tag}</c>).
    /// Must not be empty or white space. Default <c>perfkit:</c>.
    /// </summary>
    public string KeyPrefix { get; set; } = DefaultKeyPrefix;

    /// <summary>The pub/sub channel of the backplane. Nodes that share a cache must share it. Default <c>perfkit:cache:invalidations</c>.</summary>
    public string Channel { get; set; } = DefaultChannel;

    /// <summary>Whether to register the pub/sub backplane as well as the L2 store. Default true.</summary>
    public bool EnableBackplane { get; set; } = true;

    /// <summary>
    /// The largest payload the store reads or writes, in bytes (1 to 512 MiB; default 16 MiB). A read asks Redis for at
    /// most this many bytes plus one, so a bigger value is a quick per-key error instead of a long transfer; a write of a
    /// bigger payload deletes the key and fails for that key.
    /// </summary>
    public int MaximumPayloadBytes { get; set; } = DefaultMaximumPayloadBytes;
}
