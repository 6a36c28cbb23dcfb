// The code of src/PerfKit.Caching/README.md's quick start, compiled here so the docs cannot rot
// (a test checks that every C# block of the README stands in this file).
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PerfKit.Caching;
using PerfKit.Caching.Batching;

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
        }).AddBatchLoader<string, float[]>(_ => EmbeddingModel.EmbedAsync, o => o.MaximumBatchSize = 64);
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

        var embeddings = host.Services.GetRequiredService<BatchLoader<string, float[]>>();
        string[] texts = ["red lamp", "blue lamp", "red lamp", "desk"];
        var vectors = await Task.WhenAll(texts.Select(text => cache.GetOrCreateAsync(
            $"embedding:{text}", (embeddings, text), static (_, s, ct) => s.embeddings.LoadAsync(s.text, ct)).AsTask()));
        Console.WriteLine($"{vectors.Length} vectors, {EmbeddingModel.Calls} model call(s)");   // 4 vectors; 3 distinct texts, usually in 1 call

        var webBuilder = Host.CreateApplicationBuilder();
        webBuilder.Services.AddDistributedMemoryCache();   // the L2: register it before AsDistributedCache
        webBuilder.Services.AddPerfKitCaching().AsHybridCache().AsDistributedCache();
        using var webHost = webBuilder.Build();

        var hybrid = webHost.Services.GetRequiredService<HybridCache>();   // a PerfKitHybridCache
        var price = await hybrid.GetOrCreateAsync("price:42", async ct =>
        {
            await Task.Delay(10, ct);
            return 19.99m;
        }, tags: ["prices"]);
        await hybrid.RemoveByTagAsync("prices");

        var sessions = webHost.Services.GetRequiredService<IDistributedCache>();   // a PerfKitDistributedCache
        await sessions.SetStringAsync("session:7", "cart=3", new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(20) });
        Console.WriteLine($"{price}, {await sessions.GetStringAsync("session:7")}");
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

public static class EmbeddingModel
{
    private static int s_calls;

    public static int Calls => Volatile.Read(ref s_calls);

    // One round trip for the whole batch; a text missing from the answer fails for its callers only.
    public static async ValueTask<IReadOnlyDictionary<string, float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref s_calls);
        await Task.Delay(20, cancellationToken);
        return texts.ToDictionary(text => text, text => new float[] { text.Length, text.Count(char.IsWhiteSpace), 1 });
    }
}
