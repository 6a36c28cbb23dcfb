using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PerfKit.Caching.Distributed;
using StackExchange.Redis;
using static PerfKit.Caching.IntegrationTests.RedisTestSupport;

namespace PerfKit.Caching.IntegrationTests;

/// <summary>
/// The satellite through its DI entry point (AddRedis), against the real server. These use only API that existed
/// before the rewrite, so they were also run against the old satellite to confirm each defect.
/// </summary>
public sealed class RedisSatelliteTests(RedisServer redis)
{
    private readonly string _prefix = UniquePrefix();

    [Fact]
    public async Task AddRedis_BorrowedMultiplexer_IsStillConnectedAfterTheContainerIsDisposed()
    {
        SkipWithoutRedis();
        await using var mine = await RawAsync(redis);
        var services = new ServiceCollection();
        services.AddPerfKitCaching().AddRedis(o =>
        {
            o.ConnectionMultiplexerFactory = () => Task.FromResult<IConnectionMultiplexer>(mine);
            o.KeyPrefix = _prefix;
            o.Channel = _prefix + "channel";
        });

        await using (var provider = services.BuildServiceProvider())
        {
            await UseEveryRedisServiceAsync(provider);
        }

        mine.IsConnected.Should().BeTrue("PerfKit borrowed this connection: it must not close it");
        await mine.GetDatabase().PingAsync();
    }

    [Fact]
    public async Task AddRedis_SynchronousDisposeOfTheContainer_DoesNotThrow()
    {
        SkipWithoutRedis();
        var services = new ServiceCollection();
        services.AddPerfKitCaching().AddRedis(o =>
        {
            o.Configuration = redis.Endpoint;
            o.KeyPrefix = _prefix;
            o.Channel = _prefix + "channel";
        });
        var provider = services.BuildServiceProvider();
        await UseEveryRedisServiceAsync(provider);

        provider.Invoking(p => p.Dispose()).Should().NotThrow("every disposable type of the satellite implements IDisposable as well as IAsyncDisposable");
    }

    [Theory]
    [InlineData("foo=bar", null, "PerfKitRedisOptions.Configuration*foo*")]
    [InlineData("abortConnect=maybe", null, "PerfKitRedisOptions.Configuration*abortConnect*")]
    [InlineData("127.0.0.1:notaport", null, "PerfKitRedisOptions.Configuration*no usable endpoint*")]
    [InlineData(",,,", null, "PerfKitRedisOptions.Configuration*no usable endpoint*")]
    [InlineData("127.0.0.1:6379", "", "PerfKitRedisOptions.KeyPrefix*")]
    [InlineData("127.0.0.1:6379", "   ", "PerfKitRedisOptions.KeyPrefix*")]
    public async Task AddRedis_BadOptions_FailTheHostAtStart_NamingTheOption(string configuration, string? keyPrefix, string message)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPerfKitCaching().AddRedis(o =>
        {
            o.Configuration = configuration;
            o.KeyPrefix = keyPrefix ?? "app:";
        });
        using var host = builder.Build();

        (await host.Invoking(h => h.StartAsync(Ct)).Should().ThrowAsync<OptionsValidationException>()).WithMessage("*" + message);
    }

    [Fact]
    public async Task AddRedis_MissingConfiguration_FailsTheHostAtStart()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPerfKitCaching().AddRedis(_ => { });
        using var host = builder.Build();

        (await host.Invoking(h => h.StartAsync(Ct)).Should().ThrowAsync<OptionsValidationException>()).WithMessage("*PerfKitRedisOptions.Configuration*");
    }

    [Fact]
    public async Task AddRedis_WithAHost_ConnectsWhileTheHostStarts_SoTheFirstCacheCallFindsAnOpenConnection()
    {
        SkipWithoutRedis();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPerfKitCaching().AddRedis(o =>
        {
            o.Configuration = redis.Endpoint;
            o.KeyPrefix = _prefix;
        });
        using var host = builder.Build();

        await host.StartAsync(Ct);

        host.Services.GetRequiredService<Caching.Redis.RedisConnection>().TryGet(out var multiplexer).Should().BeTrue("the host's start opened the connection");
        multiplexer.IsConnected.Should().BeTrue();
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task AddRedis_WithAHost_AndRedisDown_TheHostStartsAnyway_WithinTheWarmupBound()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPerfKitCaching().AddRedis(o =>
        {
            o.Configuration = "127.0.0.1:1,connectTimeout=200";
            o.KeyPrefix = _prefix;
        });
        using var host = builder.Build();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await host.StartAsync(Ct);

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10), "the warm-up gives up after {0}; it never fails or blocks the start", Caching.Redis.Internal.RedisConnectionWarmup.Bound);
        (await host.Services.GetRequiredService<IPerfKitCache>().GetOrCreateAsync("k", (_, _) => ValueTask.FromResult(1), cancellationToken: Ct)).Should().Be(1);
        await host.StopAsync(Ct);
    }

    [Fact]
    public void AddRedis_Twice_IsHarmless()
    {
        var services = new ServiceCollection();
        services.AddPerfKitCaching().AddRedis(o => o.Configuration = "127.0.0.1:6379").AddRedis(o => o.KeyPrefix = "app:");

        services.Count(d => d.ServiceType == typeof(IDistributedCacheStore)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(ICacheBackplane)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(IValidateOptions<Caching.Redis.PerfKitRedisOptions>)).Should().Be(1);
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<Caching.Redis.PerfKitRedisOptions>>().Value;
        (options.Configuration, options.KeyPrefix).Should().Be(("127.0.0.1:6379", "app:"), "both configure calls apply");
    }

    [Fact]
    public async Task AddRedis_FromConfiguration_BindsTheSection_AndValidatesItAtStart()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PerfKit:Redis:Configuration"] = "127.0.0.1:6379",
            ["PerfKit:Redis:KeyPrefix"] = "shop:",
            ["PerfKit:Redis:MaximumPayloadBytes"] = "0",
        });
        builder.Services.AddPerfKitCaching().AddRedis(builder.Configuration.GetSection("PerfKit:Redis"));
        using var host = builder.Build();

        (await host.Invoking(h => h.StartAsync(Ct)).Should().ThrowAsync<OptionsValidationException>()).WithMessage("*PerfKitRedisOptions.MaximumPayloadBytes is 0*", "the bound value reached the validator");
    }

    [Fact]
    public async Task AddRedis_ConnectionFactoryFailsFirst_TheBackplaneRecoversWithoutRestart()
    {
        SkipWithoutRedis();
        await using var mine = await RawAsync(redis);
        var calls = 0;
        var services = new ServiceCollection();
        services.AddPerfKitCaching().AddRedis(o =>
        {
            o.ConnectionMultiplexerFactory = () => Interlocked.Increment(ref calls) == 1
                ? Task.FromException<IConnectionMultiplexer>(new RedisConnectionException(ConnectionFailureType.UnableToConnect, "transient failure (test)"))
                : Task.FromResult<IConnectionMultiplexer>(mine);
            o.KeyPrefix = _prefix;
            o.Channel = _prefix + "channel";
        });
        await using var provider = services.BuildServiceProvider();
        var received = 0;
        using var subscription = provider.GetRequiredService<ICacheBackplane>().Subscribe(_ => Interlocked.Increment(ref received));

        await Eventually(async () =>
        {
            await mine.GetSubscriber().PublishAsync(RedisChannel.Literal(_prefix + "channel"), Caching.Redis.RedisCacheBackplane.Encode(new CacheInvalidation("c", "other-node", CacheInvalidationKind.Key, "k", 1)));
            return Volatile.Read(ref received) > 0;
        }, "the backplane subscribes once the connection factory succeeds, without a restart");
        calls.Should().BeGreaterThan(1);
    }

    private static async Task UseEveryRedisServiceAsync(IServiceProvider provider)
    {
        await provider.GetRequiredService<IPerfKitCache>().SetAsync("k", 1, cancellationToken: Ct);
        if (provider.GetService<IDistributedCacheStore>() is { } store)
        {
            await store.SetAsync("k2", new byte[] { 1 }, TimeSpan.FromMinutes(1), Ct);
        }

        var backplane = provider.GetRequiredService<ICacheBackplane>();
        using var subscription = backplane.Subscribe(_ => { });
        await backplane.PublishAsync(new CacheInvalidation("c", "node", CacheInvalidationKind.Key, "k", 1), Ct);
    }

    private void SkipWithoutRedis() => Assert.SkipWhen(redis.SkipReason is not null, redis.SkipReason ?? "");
}
