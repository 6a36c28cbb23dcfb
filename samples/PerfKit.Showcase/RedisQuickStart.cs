// The code of src/PerfKit.Caching.Redis/README.md's quick start, compiled here so the docs cannot rot
// (a test checks that every C# block of the README stands in this file).
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PerfKit.Caching;
using PerfKit.Caching.Redis;

namespace PerfKit.Showcase;

internal static class RedisQuickStart
{
    public static IHost Build(string redis)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPerfKitCaching(o => o.BackplaneRevalidationInterval = TimeSpan.FromSeconds(30))
            .AddRedis(o =>
            {
                o.Configuration = redis;           // for example "127.0.0.1:6379"
                o.KeyPrefix = "shop:";             // L2 keys are "shop:{key}"
            });
        return builder.Build();
    }

    public static PerfKitCache WithoutDependencyInjection(string redis)
    {
        var options = new PerfKitRedisOptions { Configuration = redis, KeyPrefix = "shop:" };
        var connection = new RedisConnection(options);    // owned: closed when disposed
        var cache = new PerfKitCache(new PerfKitCacheOptions(), new PerfKitCacheDependencies
        {
            DistributedCache = new RedisDistributedCacheStore(connection, options),
            Backplane = new RedisCacheBackplane(connection, options),
        });
        return cache;
    }
}
