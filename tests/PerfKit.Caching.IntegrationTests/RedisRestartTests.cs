using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PerfKit.Caching.Redis;
using StackExchange.Redis;
using static PerfKit.Caching.IntegrationTests.RedisTestSupport;

namespace PerfKit.Caching.IntegrationTests;

/// <summary>The server stopped and started under the satellite: these run alone (they stop the shared server).</summary>
[Collection(RedisAlone.Name)]
public sealed class RedisRestartTests(RedisServer redis) : IAsyncLifetime
{
    private readonly string _prefix = UniquePrefix();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (redis.CanRestart && !await IsUpAsync())
        {
            await redis.StartAsync(); // the next test finds the server up, whatever this one did
        }
    }

    [Fact]
    public async Task BackplanePublish_WhileTheServerIsDown_ThrowsWithinTheTimeout()
    {
        SkipUnlessRestartable();
        await using var mine = await RawAsync(redis);
        var backplane = new RedisCacheBackplane(mine, new PerfKitRedisOptions { Channel = _prefix + "channel" });
        var message = new CacheInvalidation("c", "node", CacheInvalidationKind.Key, "k", 1);
        await backplane.PublishAsync(message, Ct);

        await redis.StopAsync();
        await Eventually(() => !mine.IsConnected, "the client notices the server is gone");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var (elapsed, error) = await TimeAsync(() => backplane.PublishAsync(message, timeout.Token).AsTask());

        error.Should().NotBeNull("a message that no connected server took must not count as sent");
        elapsed.Should().BeLessThan(TimeSpan.FromSeconds(3), "no call waits longer than its timeout (2 s) plus slack");
        backplane.Dispose();
    }

    [Fact]
    public async Task Backplane_ServerDownAtStart_SubscribesWhenItComesUp_WithoutAWarning()
    {
        SkipUnlessRestartable();
        using var logs = new FakeLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(logs));
        await redis.StopAsync();
        var connection = new RedisConnection(new PerfKitRedisOptions { Configuration = redis.Endpoint + ",connectTimeout=1000" });
        var backplane = new RedisCacheBackplane(connection, new PerfKitRedisOptions { Channel = _prefix + "channel" }, new PerfKitRedisDependencies { LoggerFactory = loggerFactory });
        var received = 0;
        using var subscription = backplane.Subscribe(_ => Interlocked.Increment(ref received));
        await Eventually(() => logs.Collector.Count > 0, "a first subscribe attempt fails (and is logged) while the server is down", seconds: 30);

        await redis.StartAsync();
        await using var raw = await RawAsync(redis);
        await Eventually(async () =>
        {
            await raw.GetSubscriber().PublishAsync(RedisChannel.Literal(_prefix + "channel"), RedisCacheBackplane.Encode(new CacheInvalidation("c", "other", CacheInvalidationKind.Key, "k", 1)));
            return Volatile.Read(ref received) > 0;
        }, "the subscription is made once the server is up, without a restart", seconds: 30);

        logs.Collector.GetSnapshot().Where(r => r.Level >= LogLevel.Warning).Should().BeEmpty("the subscription recovered by itself within the warning delay");
        backplane.Dispose();
        connection.Dispose();
    }

    [Fact]
    public async Task Backplane_StillNotSubscribedAfterTheWarningDelay_WarnsOnce_AndLogsTheRecovery()
    {
        SkipUnlessRestartable();
        using var logs = new FakeLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(logs));
        await redis.StopAsync();
        await using var connection = new RedisConnection(new PerfKitRedisOptions { Configuration = redis.Endpoint + ",connectTimeout=500" });
        await using var backplane = new RedisCacheBackplane(connection, new PerfKitRedisOptions { Channel = _prefix + "channel" }, new PerfKitRedisDependencies { LoggerFactory = loggerFactory }) { SubscribeWarningDelay = TimeSpan.FromSeconds(1) };
        using var subscription = backplane.Subscribe(_ => { });

        await Eventually(() => Has(logs, "BackplaneSubscribeFailed"), "a warning once the channel is still unsubscribed after the warning delay", seconds: 30);
        await redis.StartAsync();
        await Eventually(() => Has(logs, "BackplaneSubscribed"), "the recovery is logged", seconds: 30);

        backplane.IsSubscribed.Should().BeTrue();
        logs.Collector.GetSnapshot().Count(r => r.Id.Name == "BackplaneSubscribeFailed").Should().Be(1, "one warning per outage, debug logs for the retries");
        logs.Collector.GetSnapshot().Should().Contain(r => r.Id.Name == "BackplaneSubscribePending" && r.Level == LogLevel.Debug);
    }

    [Fact]
    public async Task Store_ServerDownAtStart_FailsWithinTheToken_ThenRecoversWithoutRestart()
    {
        SkipUnlessRestartable();
        await redis.StopAsync();
        await using var connection = new RedisConnection(new PerfKitRedisOptions { Configuration = redis.Endpoint + ",connectTimeout=1000" });
        var store = new RedisDistributedCacheStore(connection, new PerfKitRedisOptions { KeyPrefix = _prefix });

        using (var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(500)))
        {
            var (elapsed, error) = await TimeAsync(() => store.GetAsync("k", timeout.Token).AsTask());
            error.Should().NotBeNull().And.NotBeOfType<Distributed.DistributedCacheKeyException>("an unreachable server is not a per-key problem");
            elapsed.Should().BeLessThan(TimeSpan.FromMilliseconds(1500), "no call waits on a pending connect longer than its token (500 ms) plus slack");
        }

        await redis.StartAsync();
        await Eventually(async () =>
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await store.SetAsync("k", "v"u8.ToArray(), TimeSpan.FromMinutes(1), timeout.Token);
            return await store.GetAsync("k", timeout.Token) is { Length: 1 };
        }, "the store works once the server is up, without a restart", seconds: 30);
    }

    private static bool Has(FakeLoggerProvider logs, string eventName) => logs.Collector.GetSnapshot().Any(r => r.Id.Name == eventName);

    private async Task<bool> IsUpAsync()
    {
        try
        {
            await using var raw = await RawAsync(redis);
            return raw.IsConnected;
        }
        catch (RedisException)
        {
            return false;
        }
    }

    private void SkipUnlessRestartable()
    {
        Assert.SkipWhen(redis.SkipReason is not null, redis.SkipReason ?? "");
        Assert.SkipUnless(redis.CanRestart, "The tests use an external Redis (PERFKIT_REDIS) that they cannot stop and start.");
    }
}
