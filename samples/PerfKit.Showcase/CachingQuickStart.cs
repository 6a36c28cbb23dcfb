// The code of src/PerfKit.Caching/README.md's quick start, compiled here so the docs cannot rot
// (a test checks that every C# block of the README stands in this file).
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PerfKit.Caching;

namespace PerfKit.Showcase;

internal static class CachingQuickStart
{
    public static async Task RunAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddDistributedMemoryCache();   // any IDistributedCache becomes L2 (Redis in production)
        builder.Services.AddPerfKitCaching(o =>
        {
            o.MaximumEntries = 50_000;
            o.DefaultEntryOptions = new CacheEntryOptions
            {
                Duration = TimeSpan.FromMinutes(5),
                FailSafeMaxStaleness = TimeSpan.FromHours(1),   // serve stale if the backend fails
                FactorySoftTimeout = TimeSpan.FromMilliseconds(200),
                EagerRefreshThreshold = 0.8,
            };
        });
        using var host = builder.Build();
        var cache = host.Services.GetRequiredService<IPerfKitCache>();

        // One factory call per key, however many requests ask at once; later calls are L1 hits (no copy).
        var product = await cache.GetOrCreateAsync("product:42", async (context, ct) =>
        {
            var loaded = await ProductStore.LoadAsync(42, ct);
            context.Tags = ["products"];
            if (loaded.IsDraft)
            {
                context.DoNotCache();
            }

            return loaded;
        });
        Console.WriteLine(product.Name);

        // Invalidate everything tagged "products" (L1 at once, L2 for the other nodes).
        await cache.RemoveByTagAsync("products");
    }
}

public sealed record ProductDto(int Id, string Name, bool IsDraft);

public static class ProductStore
{
    public static async Task<ProductDto> LoadAsync(int id, CancellationToken cancellationToken)
    {
        await Task.Delay(50, cancellationToken);
        return new ProductDto(id, "Desk lamp", IsDraft: false);
    }
}
