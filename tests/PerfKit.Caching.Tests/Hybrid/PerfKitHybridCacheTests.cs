using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PerfKit.Caching.Hybrid;

namespace PerfKit.Caching.Tests.Hybrid;

public sealed class PerfKitHybridCacheTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    private static readonly HybridCacheEntryOptions OtherOptions = new() { Expiration = TimeSpan.FromMinutes(2) };

    [Fact]
    public async Task Expiration_IsTheEntryDuration()
    {
        var time = new FakeTimeProvider();
        using var inner = CacheTestHelpers.NewCache(time);
        var cache = new PerfKitHybridCache(inner);
        var options = new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(1) };
        await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v1"), options, cancellationToken: Ct);

        time.Advance(TimeSpan.FromSeconds(59));
        (await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v2"), options, cancellationToken: Ct)).Should().Be("v1");
        time.Advance(TimeSpan.FromSeconds(2));
        (await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v2"), options, cancellationToken: Ct)).Should().Be("v2");
    }

    [Theory]
    [InlineData(48.0, null)]
    [InlineData(23.5, 1.0)]
    [InlineData(24.0, 1.0)]
    public async Task AnExpirationBeyondTheCachesLifetimeLimit_IsShortenedToIt_NeverRefused(double expirationHours, double? failSafeHours)
    {
        var time = new FakeTimeProvider();
        using var inner = CacheTestHelpers.NewCache(time, configure: o => o.DefaultEntryOptions = new CacheEntryOptions
        {
            FailSafeMaxStaleness = failSafeHours is { } f ? TimeSpan.FromHours(f) : null,
        });
        var cache = new PerfKitHybridCache(inner);
        var options = new HybridCacheEntryOptions { Expiration = TimeSpan.FromHours(expirationHours) };

        (await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v1"), options, cancellationToken: Ct)).Should().Be("v1");
        await cache.SetAsync("s", "set", options, cancellationToken: Ct);
        time.Advance(TimeSpan.FromHours(23));

        (await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v2"), options, cancellationToken: Ct)).Should().Be("v1", "the entry lives up to the one-day limit");
        inner.TryGet<string>("s", out var set).Should().BeTrue();
        set.Should().Be("set");
    }

    [Fact]
    public void AddHybridCacheOptions_ThatTheSwapWouldDrop_AreRefusedWithWhereToPutThem()
    {
        var services = new ServiceCollection();
        services.AddHybridCache(o => o.MaximumKeyLength = 10);

        var act = () => services.AddPerfKitCaching().AsHybridCache();

        act.Should().Throw<InvalidOperationException>().Which.Message.Should().Contain("PerfKitCacheOptions.DefaultEntryOptions").And.Contain("PerfKitHybridCacheOptions.MaximumKeyLength");
    }

    [Fact]
    public void AddHybridCacheWithoutOptions_BeforeTheSwap_IsFine()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddHybridCache();
        services.AddPerfKitCaching().AsHybridCache();
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<HybridCache>().Should().BeOfType<PerfKitHybridCache>();
    }

    [Fact]
    public async Task LocalCacheExpiration_ShorterThanExpiration_ShortensTheEntry()
    {
        var time = new FakeTimeProvider();
        using var inner = CacheTestHelpers.NewCache(time);
        var cache = new PerfKitHybridCache(inner);
        var options = new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(10), LocalCacheExpiration = TimeSpan.FromMinutes(1) };
        await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v1"), options, cancellationToken: Ct);

        time.Advance(TimeSpan.FromSeconds(61));
        (await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v2"), options, cancellationToken: Ct)).Should().Be("v2");
    }

    [Fact]
    public async Task NoExpiration_UsesTheCachesDefaultEntryOptions_FailSafeIncluded()
    {
        var time = new FakeTimeProvider();
        using var inner = CacheTestHelpers.NewCache(time, configure: o => o.DefaultEntryOptions = new CacheEntryOptions { Duration = TimeSpan.FromMinutes(1), FailSafeMaxStaleness = TimeSpan.FromHours(1) });
        var cache = new PerfKitHybridCache(inner);
        await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v1"), cancellationToken: Ct);

        time.Advance(TimeSpan.FromMinutes(2));
        var value = await cache.GetOrCreateAsync<string>("k", _ => throw new InvalidOperationException("backend down"), new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableCompression }, cancellationToken: Ct);

        value.Should().Be("v1", "the cache's fail-safe serves the stale value through the HybridCache API");
    }

    [Fact]
    public async Task HitDueForEagerRefresh_AnswersTheCurrentValue_AndRefreshesInTheBackground()
    {
        var time = new FakeTimeProvider();
        using var inner = CacheTestHelpers.NewCache(time, configure: o => o.DefaultEntryOptions = new CacheEntryOptions { Duration = TimeSpan.FromMinutes(1), EagerRefreshThreshold = 0.5 });
        var cache = new PerfKitHybridCache(inner);
        await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v1"), cancellationToken: Ct);

        time.Advance(TimeSpan.FromSeconds(40));
        (await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v2"), cancellationToken: Ct)).Should().Be("v1");

        await CacheTestHelpers.WaitUntilAsync(() => inner.TryGet<string>("k", out var v) && v == "v2");
        (await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v3"), cancellationToken: Ct)).Should().Be("v2");
    }

    [Fact]
    public async Task Tags_FromOptionsDefaultsAndTheCall_AreAllApplied()
    {
        using var inner = CacheTestHelpers.NewCache(new FakeTimeProvider(), configure: o => o.DefaultEntryOptions = new CacheEntryOptions { Tags = ["all"] });
        var cache = new PerfKitHybridCache(inner);
        await cache.GetOrCreateAsync("a", _ => ValueTask.FromResult("a1"), tags: ["ta"], cancellationToken: Ct);
        await cache.SetAsync("b", "b1", tags: ["tb"], cancellationToken: Ct);

        await cache.RemoveByTagAsync("all", Ct);

        inner.TryGet<string>("a", out _).Should().BeFalse();
        inner.TryGet<string>("b", out _).Should().BeFalse();
    }

    [Fact]
    public async Task RemoveByTag_Wildcard_ThrowsNotSupported()
    {
        using var inner = new PerfKitCache();
        var cache = new PerfKitHybridCache(inner);

        var call = async () => await cache.RemoveByTagAsync("*", Ct);

        (await call.Should().ThrowAsync<NotSupportedException>()).Which.Message.Should().Contain("\"*\"");
    }

    [Fact]
    public async Task CopyMutableValuesFalse_HandsOutTheStoredObject()
    {
        using var inner = new PerfKitCache();
        var cache = new PerfKitHybridCache(inner, new PerfKitHybridCacheOptions { CopyMutableValues = false });
        var first = await cache.GetOrCreateAsync("w", _ => ValueTask.FromResult(new Widget { Name = "lamp" }), cancellationToken: Ct);

        (await cache.GetOrCreateAsync("w", _ => ValueTask.FromResult(new Widget()), cancellationToken: Ct)).Should().BeSameAs(first);
    }

    [Fact]
    public async Task Hit_AllocatesNothing()
    {
        using var inner = new PerfKitCache();
        var cache = new PerfKitHybridCache(inner);
        var options = new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(1) };
        Func<int, CancellationToken, ValueTask<FrozenWidget>> factory = static (id, _) => ValueTask.FromResult(new FrozenWidget(id, "lamp"));
        await cache.GetOrCreateAsync("k", 1, factory, options, cancellationToken: Ct);
        await cache.GetOrCreateAsync("k", 1, factory, cancellationToken: Ct);
        await cache.GetOrCreateAsync("k", 1, factory, OtherOptions, cancellationToken: Ct);

        AllocatedByHits(cache, factory, options);   // warm-up: the runtime allocates once on the first rounds (about 12 KB, not per call)
        AllocatedByHits(cache, factory, options).Should().Be(0);
    }

    // Hits complete synchronously: each ValueTask's result is read on this thread, without awaiting.
    private static long AllocatedByHits(HybridCache cache, Func<int, CancellationToken, ValueTask<FrozenWidget>> factory, HybridCacheEntryOptions options)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            // Alternating instances: the second misses the one-entry memo and is found in the table.
            var withOptions = cache.GetOrCreateAsync("k", 1, factory, (i & 1) == 0 ? options : OtherOptions, cancellationToken: Ct);
            var withoutOptions = cache.GetOrCreateAsync("k", 1, factory, cancellationToken: Ct);
            if (!withOptions.IsCompletedSuccessfully || !withoutOptions.IsCompletedSuccessfully || withOptions.Result.Id != 1 || withoutOptions.Result.Id != 1)
            {
                Assert.Fail("a hit should complete synchronously with the cached value");
            }
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void Constructor_BadOptions_ThrowNamingTheOption()
    {
        using var inner = new PerfKitCache();

        var create = () => new PerfKitHybridCache(inner, new PerfKitHybridCacheOptions { MaximumKeyLength = 0 });

        create.Should().Throw<OptionsValidationException>().WithMessage("*PerfKitHybridCacheOptions.MaximumKeyLength*it is 0*");
    }

    [Fact]
    public async Task AsHybridCache_RegistersTheAdapterOverTheUnnamedCache_ReplacingAddHybridCache_AndTwiceIsHarmless()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddHybridCache();
        services.AddPerfKitCaching().AsHybridCache(o => o.MaximumKeyLength = 100).AsHybridCache(o => o.CopyMutableValues = false);
        await using var provider = services.BuildServiceProvider();

        services.Count(d => d.ServiceType == typeof(HybridCache) && !d.IsKeyedService).Should().Be(1);
        var hybrid = provider.GetRequiredService<HybridCache>().Should().BeOfType<PerfKitHybridCache>().Subject;
        hybrid.Cache.Should().BeSameAs(provider.GetRequiredService<IPerfKitCache>());
        var options = provider.GetRequiredService<IOptionsMonitor<PerfKitHybridCacheOptions>>().Get(PerfKitCachingServiceCollectionExtensions.PerfKitHybridCacheOptionsNameFor(null));
        options.MaximumKeyLength.Should().Be(100);
        options.CopyMutableValues.Should().BeFalse("both configures apply");
    }

    [Fact]
    public async Task AsHybridCache_OnANamedCache_RegistersAKeyedHybridCacheOverThatCache()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddPerfKitCaching().AsHybridCache();
        services.AddPerfKitCaching("products").AsHybridCache();
        await using var provider = services.BuildServiceProvider();

        var products = provider.GetRequiredKeyedService<HybridCache>("products").Should().BeOfType<PerfKitHybridCache>().Subject;
        products.Cache.Should().BeSameAs(provider.GetRequiredKeyedService<IPerfKitCache>("products"));
        provider.GetRequiredService<HybridCache>().Should().NotBeSameAs(products);
        await products.SetAsync("42", "lamp", cancellationToken: Ct);
        provider.GetRequiredKeyedService<IPerfKitCache>("products").TryGet<string>("42", out var value).Should().BeTrue();
        value.Should().Be("lamp");
    }

    [Fact]
    public async Task AsHybridCache_BadOptions_FailAtHostStartNamingTheOption()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPerfKitCaching().AsHybridCache(o => o.MaximumKeyLength = -1);
        using var host = builder.Build();

        var start = () => host.StartAsync(Ct);

        await start.Should().ThrowAsync<OptionsValidationException>().WithMessage("*PerfKitHybridCacheOptions.MaximumKeyLength*");
    }
}
