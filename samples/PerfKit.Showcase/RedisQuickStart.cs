// The code of src/PerfKit.Caching.Redis/README.md's quick start, compiled here so the docs cannot rot
// (a test checks that every C# block of the README stands in this file; the package-consumption check also builds and
// runs it from the packed packages).
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PerfKit.Caching;
using PerfKit.Caching.Redis;

namespace PerfKit.Showcase;

internal static class RedisQuickStart
{
    public static async Task RunAsync(string[] args)
    {
        var redis = args.Length > 0 ? args[0] : "127.0.0.1:6379";
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPerfKitCaching(o => o.BackplaneRevalidationInterval = TimeSpan.FromSeconds(30))
            .AddRedis(o =>
            {
                o.Configuration = redis;           // a StackExchange.Redis configuration string
                o.KeyPrefix = "shop:";             // L2 keys are "shop:{key}"
            });

                var host = builder.Build();
        await host.StartAsync();
        var cache = host.Services.GetRequiredService<IPerfKitCache>();
        var price = await cache.GetOrCreateAsync("price:42", (context, ct) => ValueTask.FromResult(19.5m));
        Console.WriteLine($"price:42 = {price}");
        await host.StopAsync();
        await ((IAsyncDisposable)host).DisposeAsync();   // asynchronously: writes still queued for Redis get a last chance
    }

    public static async Task WithoutDependencyInjectionAsync(string redis)
    {
        var options = new PerfKitRedisOptions { Configuration = redis, KeyPrefix = "shop:" };
        await using var connection = new RedisConnection(options);    // owned: closed when disposed
        await using var backplane = new RedisCacheBackplane(connection, options);
        await using var cache = new PerfKitCache(new PerfKitCacheOptions(), new PerfKitCacheDependencies
        {
            DistributedCache = new RedisDistributedCacheStore(connection, options),
            Backplane = backplane,
        });
        await cache.SetAsync("price:42", 19.5m);
    }
}
