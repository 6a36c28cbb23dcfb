using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PerfKit.Caching;
using PerfKit.Caching.AspNetCore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers PerfKit.Caching as ASP.NET Core's output-cache store.</summary>
public static class PerfKitCachingAspNetCoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers the unnamed PerfKit cache as ASP.NET Core's <see cref="IOutputCacheStore"/> (a
    /// <see cref="PerfKitOutputCacheStore"/> singleton), replacing the store registered before (<c>AddOutputCache</c>
    /// registers an in-memory one with <c>TryAdd</c>, so either order works). Calling it twice is harmless.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddPerfKitCaching</c>.</param>
    /// <returns>The builder.</returns>
    public static IPerfKitCachingBuilder AsOutputCacheStore(this IPerfKitCachingBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<IOutputCacheStore>();
        builder.Services.AddSingleton<IOutputCacheStore>(static sp => new PerfKitOutputCacheStore(sp.GetRequiredService<IPerfKitCache>()));
        return builder;
    }
}
