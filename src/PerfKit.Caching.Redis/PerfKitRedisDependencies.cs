using Microsoft.Extensions.Logging;

namespace PerfKit.Caching.Redis;

/// <summary>
/// What <see cref="RedisConnection"/> and <see cref="RedisCacheBackplane"/> built without DI use besides their options;
/// every member is optional. One object rather than a list of optional constructor parameters, so that a new
/// dependency never changes a constructor.
/// </summary>
public sealed class PerfKitRedisDependencies
{
    /// <summary>Where connect and subscription problems are logged; default none.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The clock of the retry backoffs and of the subscription warning; default <see cref="System.TimeProvider.System"/>.</summary>
    public TimeProvider? TimeProvider { get; init; }
}
