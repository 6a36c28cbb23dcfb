using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PerfKit.Caching.Distributed;
using PerfKit.Memory;

namespace PerfKit.Caching.Tests;

public sealed class NamedCacheTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task NamedCaches_HaveTheirOwnOptionsAndL1_ShareOneL2_AndNeverReadEachOthersKeys()
    {
        var services = new ServiceCollection().AddLogging().AddMetrics();
        services.AddDistributedMemoryCache();
        services.AddPerfKitCaching(o => o.MaximumEntries = 100);
        services.AddPerfKitCaching("products", o => o.MaximumEntries = 10);
        services.AddPerfKitCaching("users");
        await using var provider = services.BuildServiceProvider();

        var main = provider.GetRequiredService<IPerfKitCache>();
        var products = provider.GetRequiredKeyedService<IPerfKitCache>("products");
        var users = provider.GetRequiredKeyedService<IPerfKitCache>("users");
        new[] { main, products, users }.Should().OnlyHaveUniqueItems();
        products.Name.Should().Be("products");
        users.Name.Should().Be("users");
        main.Name.Should().Be("default");
        var monitor = provider.GetRequiredService<IOptionsMonitor<PerfKitCacheOptions>>();
        monitor.Get(PerfKitCachingServiceCollectionExtensions.PerfKitCacheOptionsNameFor("products")).MaximumEntries.Should().Be(10);
        monitor.Get(PerfKitCachingServiceCollectionExtensions.PerfKitCacheOptionsNameFor("users")).MaximumEntries.Should().Be(PerfKitCacheOptions.DefaultMaximumEntries);

        await products.SetAsync("42", "lamp", cancellationToken: Ct);
        (await users.GetOrCreateAsync("42", (_, _) => ValueTask.FromResult("ada"), cancellationToken: Ct)).Should().Be("ada", "each cache has its own L2 key prefix");
        (await main.GetOrCreateAsync("42", (_, _) => ValueTask.FromResult("main"), cancellationToken: Ct)).Should().Be("main");

        // One L2 for all: a fresh node of "products" on the same L2 reads the value written above.
        using var otherNode = new PerfKitCache(
            new PerfKitCacheOptions { Name = "products", DistributedKeyPrefix = PerfKitCachingServiceCollectionExtensions.NamedCacheKeyPrefix("products") },
            new PerfKitCacheDependencies { DistributedCache = new DistributedCacheAdapter(provider.GetRequiredService<Microsoft.Extensions.Caching.Distributed.IDistributedCache>()) });
        (await otherNode.GetOrCreateAsync("42", (_, _) => ValueTask.FromResult("wrong"), cancellationToken: Ct)).Should().Be("lamp");

        provider.GetServices<IMemoryPressureResponder>().OfType<PerfKitCache>().Should().HaveCount(3, "every cache shrinks under memory pressure");
    }

    [Fact]
    public async Task NamedCaches_ShareTheContainersBackplane_AndAnInvalidationReachesOnlyTheCacheOfItsName()
    {
        var l2 = new Microsoft.Extensions.Caching.Distributed.MemoryDistributedCache(Options.Create(new Microsoft.Extensions.Caching.Memory.MemoryDistributedCacheOptions()));
        var bus = new Bus();
        ServiceProvider Node()
        {
            var services = new ServiceCollection().AddLogging();
            services.AddSingleton<Microsoft.Extensions.Caching.Distributed.IDistributedCache>(l2);
            services.AddSingleton<ICacheBackplane>(bus);
            services.AddPerfKitCaching("products");
            services.AddPerfKitCaching("users");
            return services.BuildServiceProvider();
        }

        await using var one = Node();
        await using var two = Node();
        var productsOnTwo = two.GetRequiredKeyedService<IPerfKitCache>("products");
        var usersOnTwo = two.GetRequiredKeyedService<IPerfKitCache>("users");
        (await productsOnTwo.GetOrCreateAsync("42", (_, _) => ValueTask.FromResult("old lamp"), cancellationToken: Ct)).Should().Be("old lamp");
        (await usersOnTwo.GetOrCreateAsync("42", (_, _) => ValueTask.FromResult("ada"), cancellationToken: Ct)).Should().Be("ada");
        bus.Handlers.Should().Be(2, "both caches of node two subscribed to the one backplane");

        await one.GetRequiredKeyedService<IPerfKitCache>("products").SetAsync("42", "new lamp", cancellationToken: Ct);

        productsOnTwo.TryGet<string>("42", out _).Should().BeFalse("node one's write of products:42 dropped node two's copy");
        (await productsOnTwo.GetOrCreateAsync("42", (_, _) => ValueTask.FromResult("wrong"), cancellationToken: Ct)).Should().Be("new lamp");
        usersOnTwo.TryGet<string>("42", out var user).Should().BeTrue("an invalidation of products is not one of users");
        user.Should().Be("ada");
    }

    [Fact]
    public async Task TheSameName_Twice_IsOneCache_AndTheConfiguresAddUp()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddPerfKitCaching("products", o => o.MaximumEntries = 10);
        services.AddPerfKitCaching("products", o => o.DistributedCacheTimeout = TimeSpan.FromSeconds(3));
        await using var provider = services.BuildServiceProvider();

        services.Count(d => d.ServiceType == typeof(PerfKitCache) && d.IsKeyedService).Should().Be(1);
        var options = provider.GetRequiredService<IOptionsMonitor<PerfKitCacheOptions>>().Get(PerfKitCachingServiceCollectionExtensions.PerfKitCacheOptionsNameFor("products"));
        options.MaximumEntries.Should().Be(10);
        options.DistributedCacheTimeout.Should().Be(TimeSpan.FromSeconds(3));
        options.Name.Should().Be("products");
        provider.GetServices<IMemoryPressureResponder>().Should().ContainSingle();
    }

    [Fact]
    public async Task BadOptionsOfANamedCache_FailAtHostStart_NamingTheOption()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPerfKitCaching("products", o => o.MaximumEntries = 0);
        using var host = builder.Build();

        var act = () => host.StartAsync(Ct);

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("PerfKitCacheOptions.MaximumEntries");
    }

    [Fact]
    public async Task ANamedCache_BindsFromConfiguration_AndCarriesItsNameInTelemetry()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Caches:users:MaximumEntries"] = "7" });
        builder.Services.AddPerfKitCaching("users", builder.Configuration.GetSection("Caches:users"));
        using var host = builder.Build();
        var meters = host.Services.GetRequiredService<IMeterFactory>();
        using var requests = new MetricCollector<long>(meters, PerfKitCachingDiagnostics.MeterName, PerfKitCachingDiagnostics.Instruments.Requests);

        var users = host.Services.GetRequiredKeyedService<IPerfKitCache>("users");
        await users.GetOrCreateAsync("u1", (_, _) => ValueTask.FromResult(1), cancellationToken: Ct);

        host.Services.GetRequiredService<IOptionsMonitor<PerfKitCacheOptions>>().Get(PerfKitCachingServiceCollectionExtensions.PerfKitCacheOptionsNameFor("users")).MaximumEntries.Should().Be(7);
        requests.GetMeasurementSnapshot().Should().Contain(m => Equals(m.Tags[PerfKitCachingDiagnostics.Tags.Cache], "users"));
    }

    [Fact]
    public async Task KeysOfTheUnnamedCacheAndOfNamedCachesWhoseNamesPrefixEachOther_NeverMeet()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddDistributedMemoryCache();
        services.AddPerfKitCaching();
        services.AddPerfKitCaching("products");
        services.AddPerfKitCaching("a");
        services.AddPerfKitCaching("a:b");
        await using var provider = services.BuildServiceProvider();
        await using var other = new ServiceCollection().AddLogging()
            .AddSingleton(provider.GetRequiredService<Microsoft.Extensions.Caching.Distributed.IDistributedCache>())
            .AddPerfKitCaching("products").Services.AddPerfKitCaching("a:b").Services.BuildServiceProvider();

        await provider.GetRequiredService<IPerfKitCache>().SetAsync("products:secret", "from the unnamed cache", cancellationToken: Ct);
        await provider.GetRequiredKeyedService<IPerfKitCache>("a").SetAsync("b:x", "from a", cancellationToken: Ct);

        (await other.GetRequiredKeyedService<IPerfKitCache>("products").GetOrCreateAsync("secret", (_, _) => ValueTask.FromResult("own"), cancellationToken: Ct)).Should().Be("own");
        (await other.GetRequiredKeyedService<IPerfKitCache>("a:b").GetOrCreateAsync("x", (_, _) => ValueTask.FromResult("own"), cancellationToken: Ct)).Should().Be("own");
    }

    [Theory]
    [InlineData("default")]
    [InlineData("x\ny")]
    public void NamesThatWouldMixCaches_AreRefused(string name) =>
        FluentActions.Invoking(() => new ServiceCollection().AddPerfKitCaching(name, (Action<PerfKitCacheOptions>?)null)).Should().Throw<ArgumentException>().WithParameterName("name");

    [Fact]
    public void ABlankName_IsRefused() =>
        FluentActions.Invoking(() => new ServiceCollection().AddPerfKitCaching(" ", (Action<PerfKitCacheOptions>?)null)).Should().Throw<ArgumentException>().WithParameterName("name");

    /// <summary>A backplane within one process: every subscriber gets every message, synchronously.</summary>
    private sealed class Bus : ICacheBackplane
    {
        private readonly List<Action<CacheInvalidation>> _handlers = [];

        public int Handlers => _handlers.Count;

        public ValueTask PublishAsync(CacheInvalidation invalidation, CancellationToken cancellationToken)
        {
            foreach (var handler in _handlers.ToArray())
            {
                handler(invalidation);
            }

            return ValueTask.CompletedTask;
        }

        public IDisposable Subscribe(Action<CacheInvalidation> handler)
        {
            _handlers.Add(handler);
            return new Unsubscriber(() => _handlers.Remove(handler));
        }

        private sealed class Unsubscriber(Action dispose) : IDisposable
        {
            public void Dispose() => dispose();
        }
    }
}
