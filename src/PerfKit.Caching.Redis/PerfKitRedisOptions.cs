using StackExchange.Redis;

namespace PerfKit.Caching.Redis;

/// <summary>Options of PerfKit.Caching's Redis L2 and backplane.</summary>
public sealed class PerfKitRedisOptions
{
    /// <summary>Default of <see cref="Channel"/>.</summary>
    public const string DefaultChannel = "perfkit:cache:invalidations";

    /// <summary>
    /// A StackExchange.Redis configuration string, for example <c>127.0.0.1:6379</c>. <c>abortConnect=false</c> is
    /// always applied, so the app starts while Redis is down and the connection recovers by itself.
    /// Required unless <see cref="ConnectionMultiplexerFactory"/> is set.
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>Supplies an existing connection instead of <see cref="Configuration"/>; it is shared, never disposed by PerfKit.</summary>
    public Func<Task<IConnectionMultiplexer>>? ConnectionMultiplexerFactory { get; set; }

    /// <summary>Prefixed to every L2 key (Redis key names are <c>{KeyPrefix}{key}</c>). Default <c>perfkit:</c>.</summary>
    public string KeyPrefix { get; set; } = "perfkit:";

    /// <summary>The pub/sub channel of the backplane. Nodes that share a cache must share it. Default <c>perfkit:cache:invalidations</c>.</summary>
    public string Channel { get; set; } = DefaultChannel;

    /// <summary>Whether to register the pub/sub backplane as well as the L2. Default true.</summary>
    public bool EnableBackplane { get; set; } = true;
}
