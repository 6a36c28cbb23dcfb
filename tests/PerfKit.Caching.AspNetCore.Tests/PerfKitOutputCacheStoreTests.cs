using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace PerfKit.Caching.AspNetCore.Tests;

public sealed class PerfKitOutputCacheStoreTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoKestrelNodes_ShareCachedResponses_AndAnEvictionByTagOnOneIsReRenderedOnTheOther()
    {
        var l2 = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        var bus = new InMemoryBackplane();
        await using var one = await StartNodeAsync("one", l2, bus);
        await using var two = await StartNodeAsync("two", l2, bus);
        using var httpOne = new HttpClient { BaseAddress = one.Address };
        using var httpTwo = new HttpClient { BaseAddress = two.Address };

        (await httpOne.GetStringAsync("/product", Ct)).Should().Be("one:1");
        (await httpOne.GetStringAsync("/product", Ct)).Should().Be("one:1", "node one serves its cached response");
        (await httpTwo.GetStringAsync("/product", Ct)).Should().Be("one:1", "node two serves node one's response from the shared store");

        (await httpOne.PostAsync("/products/changed", null, Ct)).EnsureSuccessStatusCode();

        (await httpTwo.GetStringAsync("/product", Ct)).Should().Be("two:1", "the tag was evicted for node two too: it renders again");
        (await httpOne.GetStringAsync("/product", Ct)).Should().Be("two:1", "node one now serves node two's new response");
        one.Renders.Should().Be(1);
        two.Renders.Should().Be(1);
    }

    [Fact]
    public async Task AsOutputCacheStore_ReplacesTheInMemoryStore_InEitherOrder_AndTwiceIsHarmless()
    {
        var before = new ServiceCollection().AddLogging();
        before.AddOutputCache();
        before.AddPerfKitCaching().AsOutputCacheStore().AsOutputCacheStore();
        var after = new ServiceCollection().AddLogging();
        after.AddPerfKitCaching().AsOutputCacheStore();
        after.AddOutputCache();

        foreach (var services in new[] { before, after })
        {
            services.Count(d => d.ServiceType == typeof(IOutputCacheStore)).Should().Be(1);
            await using var provider = services.BuildServiceProvider();
            provider.GetRequiredService<IOutputCacheStore>().Should().BeOfType<PerfKitOutputCacheStore>()
                .Which.Cache.Should().BeSameAs(provider.GetRequiredService<IPerfKitCache>());
        }
    }

    [Fact]
    public async Task AResponseValidForLongerThanTheCachesLifetimeLimit_IsCachedForTheLimit_NotRefused()
    {
        using var cache = new PerfKitCache();
        var store = new PerfKitOutputCacheStore(cache);

        await store.SetAsync("long", [7], ["long"], TimeSpan.FromDays(2), Ct);

        (await store.GetAsync("long", Ct)).Should().Equal(7);
    }

    [Fact]
    public async Task Store_SetGetEvict_WithoutAServer()
    {
        using var cache = new PerfKitCache();
        var store = new PerfKitOutputCacheStore(cache);
        await store.SetAsync("a", [1, 2], ["t"], TimeSpan.FromMinutes(1), Ct);
        await store.SetAsync("b", [3], null, TimeSpan.FromMinutes(1), Ct);

        (await store.GetAsync("a", Ct)).Should().Equal(1, 2);
        await store.EvictByTagAsync("t", Ct);

        (await store.GetAsync("a", Ct)).Should().BeNull();
        (await store.GetAsync("b", Ct)).Should().Equal(3);
        (await store.GetAsync("missing", Ct)).Should().BeNull();
    }

    private static async Task<Node> StartNodeAsync(string name, IDistributedCache l2, ICacheBackplane backplane)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton(l2);
        builder.Services.AddSingleton(backplane);
        builder.Services.AddOutputCache();
        builder.Services.AddPerfKitCaching().AsOutputCacheStore();
        var app = builder.Build();
        app.UseOutputCache();
        var node = new Node(app);

        // Vary by host off: the nodes listen on different ports, as replicas behind one name would be seen by their clients.
        app.MapGet("/product", () => $"{name}:{node.Render()}").CacheOutput(p => p.Tag("products").SetVaryByHost(false));
        app.MapPost("/products/changed", async (IOutputCacheStore store, CancellationToken ct) =>
        {
            await store.EvictByTagAsync("products", ct);
            return Results.Ok();
        });
        await app.StartAsync(Ct);
        node.Address = new Uri(app.Urls.First());
        return node;
    }

    private sealed class Node(WebApplication app) : IAsyncDisposable
    {
        private int _renders;

        public Uri Address { get; set; } = null!;

        public int Renders => Volatile.Read(ref _renders);

        public int Render() => Interlocked.Increment(ref _renders);

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    /// <summary>A backplane inside the test process: every subscriber of every node gets every message.</summary>
    private sealed class InMemoryBackplane : ICacheBackplane
    {
        private readonly List<Action<CacheInvalidation>> _handlers = [];

        public ValueTask PublishAsync(CacheInvalidation invalidation, CancellationToken cancellationToken)
        {
            Action<CacheInvalidation>[] handlers;
            lock (_handlers)
            {
                handlers = [.. _handlers];
            }

            foreach (var handler in handlers)
            {
                handler(invalidation);
            }

            return ValueTask.CompletedTask;
        }

        public IDisposable Subscribe(Action<CacheInvalidation> handler)
        {
            lock (_handlers)
            {
                _handlers.Add(handler);
            }

            return new Unsubscribe(this, handler);
        }

        private sealed class Unsubscribe(InMemoryBackplane bus, Action<CacheInvalidation> handler) : IDisposable
        {
            public void Dispose()
            {
                lock (bus._handlers)
                {
                    bus._handlers.Remove(handler);
                }
            }
        }
    }
}
