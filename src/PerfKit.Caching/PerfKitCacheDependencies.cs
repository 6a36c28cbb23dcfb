using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using PerfKit.Caching.Distributed;
using PerfKit.Caching.Serialization;

namespace PerfKit.Caching;

/// <summary>
/// What a <see cref="PerfKitCache"/> built without DI uses besides its options; every member is optional. One object
/// rather than a list of optional constructor parameters, so that a new dependency never changes the constructor.
/// </summary>
public sealed class PerfKitCacheDependencies
{
    /// <summary>The L2, or <see langword="null"/> for L1 only. Wrap an <c>IDistributedCache</c> in <see cref="DistributedCacheAdapter"/>.</summary>
    public IDistributedCacheStore? DistributedCache { get; init; }

    /// <summary>Carries L1 invalidations to and from the other nodes; default none.</summary>
    public ICacheBackplane? Backplane { get; init; }

    /// <summary>The L2 serializer; default <see cref="SystemTextJsonCacheSerializer"/>.</summary>
    public ICacheSerializer? Serializer { get; init; }

    /// <summary>The clock; default <see cref="System.TimeProvider.System"/>.</summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>Where logs go; default none.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Creates the <c>PerfKit.Caching</c> meter; default a meter shared by the caches created without one.</summary>
    public IMeterFactory? MeterFactory { get; init; }
}
