using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PerfKit.Caching.Distributed;

namespace PerfKit.Caching.Tests.Distributed;

public sealed class PerfKitDistributedCacheTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    private readonly FakeTimeProvider _time = new();

    private static DistributedCacheEntryOptions Sliding(TimeSpan window) => new() { SlidingExpiration = window };

    [Fact]
    public async Task SetThenGet_ReturnsTheBytes_AsANewArray_AndMissingIsNull()
    {
        using var inner = CacheTestHelpers.NewCache(_time);
        var view = new PerfKitDistributedCache(inner);
        byte[] value = [1, 2, 3];

        await view.SetAsync("k", value, new DistributedCacheEntryOptions(), Ct);
        var read = await view.GetAsync("k", Ct);

        read.Should().Equal(1, 2, 3);
        read.Should().NotBeSameAs(value);
        (await view.GetAsync("missing", Ct)).Should().BeNull();
        view.Get("k").Should().Equal(1, 2, 3);
    }

    [Fact]
    public async Task AnotherNode_ReadsTheEntryFromL2_AndRemoveReachesL2()
    {
        var l2 = CacheTestHelpers.NewDistributed(_time);
        using var one = CacheTestHelpers.NewCache(_time, l2);
        using var two = CacheTestHelpers.NewCache(_time, l2);
        var viewOne = new PerfKitDistributedCache(one);
        var viewTwo = new PerfKitDistributedCache(two);

        viewOne.SetString("session:1", "cart=3");
        viewTwo.GetString("session:1").Should().Be("cart=3");

        await viewOne.RemoveAsync("session:1", Ct);
        using var three = CacheTestHelpers.NewCache(_time, l2);
        new PerfKitDistributedCache(three).GetString("session:1").Should().BeNull();
    }

    [Fact]
    public async Task AbsoluteExpiration_EndsTheEntry_AndOneInThePastIsRefused()
    {
        using var inner = CacheTestHelpers.NewCache(_time);
        var view = new PerfKitDistributedCache(inner);
        await view.SetAsync("rel", [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1) }, Ct);
        await view.SetAsync("abs", [1], new DistributedCacheEntryOptions { AbsoluteExpiration = _time.GetUtcNow().AddMinutes(90) }, Ct);

        _time.Advance(TimeSpan.FromMinutes(59));
        (await view.GetAsync("rel", Ct)).Should().NotBeNull("an absolute expiration of one hour is not cut to the default duration");
        _time.Advance(TimeSpan.FromMinutes(2));
        (await view.GetAsync("rel", Ct)).Should().BeNull();
        (await view.GetAsync("abs", Ct)).Should().NotBeNull();
        _time.Advance(TimeSpan.FromMinutes(30));
        (await view.GetAsync("abs", Ct)).Should().BeNull();

        var past = () => view.SetAsync("k", [1], new DistributedCacheEntryOptions { AbsoluteExpiration = _time.GetUtcNow().AddSeconds(-1) }, Ct);
        await past.Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage("*AbsoluteExpiration must be in the future*");
    }

    [Fact]
    public async Task SlidingExpiration_SlidesOnRefresh_UpToTheAbsoluteExpiration()
    {
        using var inner = CacheTestHelpers.NewCache(_time);
        var view = new PerfKitDistributedCache(inner);
        await view.SetAsync("s", [1], Sliding(TimeSpan.FromMinutes(1)), Ct);
        await view.SetAsync("capped", [2], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(1), AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(90) }, Ct);

        _time.Advance(TimeSpan.FromSeconds(50));
        await view.RefreshAsync("s", Ct);
        view.Refresh("capped");
        _time.Advance(TimeSpan.FromSeconds(50));

        (await view.GetAsync("s", Ct)).Should().Equal(1);
        (await view.GetAsync("capped", Ct)).Should().BeNull("its absolute expiration (90 s) caps the slide");
        _time.Advance(TimeSpan.FromSeconds(61));
        (await view.GetAsync("s", Ct)).Should().BeNull("no refresh for more than the window");
    }

    [Fact]
    public async Task Get_DoesNotSlide_OnlyRefreshAndSetDo()
    {
        using var inner = CacheTestHelpers.NewCache(_time);
        var view = new PerfKitDistributedCache(inner);
        await view.SetAsync("s", [1], Sliding(TimeSpan.FromMinutes(1)), Ct);

        _time.Advance(TimeSpan.FromSeconds(50));
        (await view.GetAsync("s", Ct)).Should().Equal(1);
        _time.Advance(TimeSpan.FromSeconds(20));

        (await view.GetAsync("s", Ct)).Should().BeNull("a read does not move the sliding window (documented)");
    }

    [Fact]
    public async Task Refresh_OfAMissingOrNonSlidingEntry_DoesNothing()
    {
        using var inner = CacheTestHelpers.NewCache(_time);
        var view = new PerfKitDistributedCache(inner);
        await view.SetAsync("fixed", [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1) }, Ct);

        await view.RefreshAsync("missing", Ct);
        _time.Advance(TimeSpan.FromSeconds(50));
        await view.RefreshAsync("fixed", Ct);
        _time.Advance(TimeSpan.FromSeconds(11));

        (await view.GetAsync("missing", Ct)).Should().BeNull();
        (await view.GetAsync("fixed", Ct)).Should().BeNull();
    }

    [Fact]
    public async Task AsDistributedCache_IsTheIDistributedCache_AndTheEarlierRegistrationStaysTheL2()
    {
        var l2 = CacheTestHelpers.NewDistributed(_time);
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IDistributedCache>(l2);
        services.AddPerfKitCaching().AsDistributedCache().AsDistributedCache();
        await using var provider = services.BuildServiceProvider();

        services.Count(d => d.ServiceType == typeof(IDistributedCache) && !d.IsKeyedService).Should().Be(1);
        var view = provider.GetRequiredService<IDistributedCache>().Should().BeOfType<PerfKitDistributedCache>().Subject;
        view.Cache.Should().BeSameAs(provider.GetRequiredService<IPerfKitCache>());
        await view.SetStringAsync("k", "v", Ct);

        using var otherNode = CacheTestHelpers.NewCache(_time, l2);
        new PerfKitDistributedCache(otherNode).GetString("k").Should().Be("v", "the write went to the L2 registered before the view");
    }

    [Fact]
    public async Task AsDistributedCache_WithoutL2_ResolvesAnL1OnlyCache()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddPerfKitCaching().AsDistributedCache();
        await using var provider = services.BuildServiceProvider();

        var view = provider.GetRequiredService<IDistributedCache>();
        await view.SetStringAsync("k", "v", Ct);
        (await view.GetStringAsync("k", Ct)).Should().Be("v");
    }

    [Fact]
    public async Task AsDistributedCache_OnANamedCache_RegistersAKeyedView()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddDistributedMemoryCache();
        services.AddPerfKitCaching("sessions").AsDistributedCache();
        await using var provider = services.BuildServiceProvider();

        var view = provider.GetRequiredKeyedService<IDistributedCache>("sessions").Should().BeOfType<PerfKitDistributedCache>().Subject;
        view.Cache.Should().BeSameAs(provider.GetRequiredKeyedService<IPerfKitCache>("sessions"));
        provider.GetRequiredService<IDistributedCache>().Should().NotBeOfType<PerfKitDistributedCache>("the unnamed IDistributedCache stays the L2");
    }
}
