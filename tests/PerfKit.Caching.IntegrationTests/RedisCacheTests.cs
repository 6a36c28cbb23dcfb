using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PerfKit.Caching.Distributed;
using PerfKit.Caching.Redis;
using StackExchange.Redis;

namespace PerfKit.Caching.IntegrationTests;

/// <summary>Two PerfKitCache nodes in one test process, each with its own Redis connection, as two servers would have.</summary>
[Collection(RedisAlone.Name)]
public sealed class RedisCacheTests(RedisServer redis) : IAsyncDisposable
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    private readonly string _prefix = "test:" + Guid.NewGuid().ToString("N")[..8] + ":";
    private readonly List<IAsyncDisposable> _resources = [];
    private int _nodes;

    [Fact]
    public async Task L2_RoundTrip_TheSecondNodeReadsTheFirstNodesValue()
    {
        SkipWithoutRedis();
        var a = await NodeAsync();
        var b = await NodeAsync();
        var calls = 0;

        var fromA = await a.GetOrCreateAsync("order:7", (_, _) => { calls++; return ValueTask.FromResult(new Order(7, 99.5m)); }, cancellationToken: Ct);
        var fromB = await b.GetOrCreateAsync("order:7", (_, _) => { calls++; return ValueTask.FromResult(new Order(0, 0)); }, cancellationToken: Ct);

        calls.Should().Be(1);
        fromB.Should().Be(fromA);
    }

    [Fact]
    public async Task PerKeyError_AKeyOfAnotherTypeInRedis_IsAMissOfThatKeyOnly_AndIsOverwritten()
    {
        SkipWithoutRedis();
        var a = await NodeAsync();
        var b = await NodeAsync();
        await using var raw = await RedisTestSupport.RawAsync(redis);
        await raw.GetDatabase().ExecuteAsync("HSET", _prefix + "bad", "field", "value");
        await b.SetAsync("good", 5, cancellationToken: Ct);

        (await a.GetOrCreateAsync("bad", (_, _) => ValueTask.FromResult("fresh"), cancellationToken: Ct)).Should().Be("fresh");
        (await a.GetOrCreateAsync("good", (_, _) => ValueTask.FromResult(-1), cancellationToken: Ct)).Should().Be(5, "L2 is still used for the other keys: one bad key is not an outage");

        await RedisTestSupport.Eventually(async () => await raw.GetDatabase().KeyTypeAsync(_prefix + "bad") == RedisType.String, "the bad key is overwritten by the factory's value");
    }

    [Fact]
    [Trait("Server", "redis-server")] // counts commands with INFO commandstats; CI's Garnet pass leaves it out
    public async Task GetOrCreateMany_L1HitsL2HitsAndMisses_OneMgetForTheL1Misses_AndOneFactoryCallWithExactlyTheMisses()
    {
        SkipWithoutRedis();
        Assert.SkipWhen(redis.IsGarnet, "Counts commands with INFO commandstats, which the test reads from redis-server.");
        var a = await NodeAsync();
        var b = await NodeAsync();
        await using var raw = await RedisTestSupport.RawAsync(redis);
        await a.SetAsync("order:1", new Order(1, 10m), cancellationToken: Ct);
        await a.SetAsync("order:2", new Order(2, 20m), cancellationToken: Ct);
        await b.SetAsync("order:3", new Order(3, 30m), cancellationToken: Ct);
        var asked = new List<IReadOnlyList<string>>();
        var before = await CommandCallsAsync(raw);

        var orders = await b.GetOrCreateManyAsync(["order:1", "order:2", "order:3", "order:4", "order:5"], (keys, _) =>
        {
            asked.Add([.. keys]);
            return ValueTask.FromResult<IReadOnlyDictionary<string, Order>>(keys.ToDictionary(k => k, k => new Order(int.Parse(k[6..], System.Globalization.CultureInfo.InvariantCulture), 0m)));
        }, cancellationToken: Ct);

        var after = await CommandCallsAsync(raw);
        orders.Values.Select(o => o.Id).Should().BeEquivalentTo([1, 2, 3, 4, 5]);
        orders["order:1"].Total.Should().Be(10m, "order:1 came from L2");
        orders["order:3"].Total.Should().Be(30m, "order:3 was in B's L1");
        asked.Should().ContainSingle().Which.Should().Equal("order:4", "order:5");
        (after.Mget - before.Mget).Should().Be(1, "one MGET for the four L1 misses");
        (after.Get - before.Get).Should().Be(0);
        (after.GetRange - before.GetRange).Should().Be(0, "no single-key reads");
        (await a.GetOrCreateAsync("order:5", (_, _) => ValueTask.FromResult(new Order(-1, -1m)), cancellationToken: Ct)).Id.Should().Be(5, "the factory's values were written to L2");
    }

    [Fact]
    public async Task ClusterSingleFlight_AColdKeyAskedOnTwoNodes_RunsTheFactoryOnce_AndTheOtherNodeGetsItsResult()
    {
        SkipWithoutRedis();
        var a = await NodeAsync();
        var b = await NodeAsync();
        var options = new CacheEntryOptions { ClusterSingleFlight = true, ClusterSingleFlightTimeout = TimeSpan.FromSeconds(20) };
        var gate = new TaskCompletionSource();
        using var started = new SemaphoreSlim(0);
        var calls = 0;

        var onA = a.GetOrCreateAsync("model:answer", async (_, _) =>
        {
            Interlocked.Increment(ref calls);
            started.Release();
            await gate.Task;
            return new Order(1, 0.5m);
        }, options, Ct).AsTask();
        (await started.WaitAsync(TimeSpan.FromSeconds(10), Ct)).Should().BeTrue();
        var onB = b.GetOrCreateAsync("model:answer", (_, _) =>
        {
            Interlocked.Increment(ref calls);
            return ValueTask.FromResult(new Order(2, 9m));
        }, options, Ct).AsTask();
        gate.SetResult();

        var results = await Task.WhenAll(onA, onB).WaitAsync(TimeSpan.FromSeconds(15), Ct);
        calls.Should().Be(1, "node B waited for node A's result instead of calling the factory");
        results[1].Should().Be(results[0]);
    }

    [Fact]
    public async Task ClusterSingleFlight_ALeaseWhoseHolderDied_DelaysTheOthersByTheLeaseTimeAtMost()
    {
        SkipWithoutRedis();
        var b = await NodeAsync();
        await using var raw = await RedisTestSupport.RawAsync(redis);
        await raw.GetDatabase().StringSetAsync(_prefix + "__lease:orphan", "a-node-that-died", TimeSpan.FromMilliseconds(300));
        var calls = 0;

        var value = await b.GetOrCreateAsync("orphan", (_, _) =>
        {
            Interlocked.Increment(ref calls);
            return ValueTask.FromResult(new Order(3, 3m));
        }, new CacheEntryOptions { ClusterSingleFlight = true, ClusterSingleFlightTimeout = TimeSpan.FromSeconds(20) }, Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct);

        value.Id.Should().Be(3);
        calls.Should().Be(1, "the lease expired without a result, so this node took it and ran the factory (well before its 20 s timeout)");
        await RedisTestSupport.Eventually(async () => !await raw.GetDatabase().KeyExistsAsync(_prefix + "__lease:orphan"), "the new holder releases its lease (in the background) once the value is in L2, long before the lease's 20 s");
    }

    [Fact]
    public async Task ClusterSingleFlight_AHolderThatNeverAnswers_IsWaitedForAtMostTheTimeout_ThenThisNodeRunsTheFactory()
    {
        SkipWithoutRedis();
        var b = await NodeAsync();
        await using var raw = await RedisTestSupport.RawAsync(redis);
        await raw.GetDatabase().StringSetAsync(_prefix + "__lease:stuck", "a-stuck-node", TimeSpan.FromMinutes(5));

        var value = await b.GetOrCreateAsync("stuck", (_, _) => ValueTask.FromResult(new Order(4, 4m)),
            new CacheEntryOptions { ClusterSingleFlight = true, ClusterSingleFlightTimeout = TimeSpan.FromMilliseconds(400) }, Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct);

        value.Id.Should().Be(4);
        (await raw.GetDatabase().StringGetAsync(_prefix + "__lease:stuck")).ToString().Should().Be("a-stuck-node", "a lease this node does not hold is not released by it");
    }

    private static async Task<(long Get, long Mget, long GetRange)> CommandCallsAsync(ConnectionMultiplexer raw)
    {
        var info = (string?)await raw.GetDatabase().ExecuteAsync("INFO", "commandstats") ?? "";
        return (Calls(info, "cmdstat_get:"), Calls(info, "cmdstat_mget:"), Calls(info, "cmdstat_getrange:"));

        static long Calls(string info, string name)
        {
            var line = info.Split('\n').FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line[(line.IndexOf("calls=", StringComparison.Ordinal) + 6)..line.IndexOf(',', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    [Fact]
    public async Task SubSecondDuration_ReachesRedisAsAMillisecondTtl()
    {
        SkipWithoutRedis();
        var a = await NodeAsync();
        await using var raw = await RedisTestSupport.RawAsync(redis);

        await a.SetAsync("short", 1, new CacheEntryOptions { Duration = TimeSpan.FromMilliseconds(800) }, Ct);

        ((long)await raw.GetDatabase().ExecuteAsync("PTTL", _prefix + "short")).Should().BeInRange(1, 800, "an 800 ms entry reaches Redis with its TTL in milliseconds");
    }

    [Fact]
    public async Task Backplane_SetOnOneNode_EvictsTheOtherNodesL1Copy()
    {
        SkipWithoutRedis();
        var a = await NodeAsync();
        var b = await NodeAsync();
        await a.SetAsync("price", 10, cancellationToken: Ct);
        (await b.GetOrCreateAsync("price", (_, _) => ValueTask.FromResult(-1), cancellationToken: Ct)).Should().Be(10);

        await a.SetAsync("price", 12, cancellationToken: Ct);

        await Eventually(() => !b.TryGet<int>("price", out _), "B's copy is evicted by the pub/sub message");
        (await b.GetOrCreateAsync("price", (_, _) => ValueTask.FromResult(-1), cancellationToken: Ct)).Should().Be(12);
    }

    [Fact]
    public async Task Backplane_RemoveByTagOnOneNode_EvictsTaggedCopiesOnTheOther()
    {
        SkipWithoutRedis();
        var a = await NodeAsync();
        var b = await NodeAsync();
        await b.SetAsync("p:1", "lamp", new CacheEntryOptions { Tags = ["catalog"] }, Ct);
        await b.SetAsync("u:1", "ann", new CacheEntryOptions { Tags = ["users"] }, Ct);

        await a.RemoveByTagAsync("catalog", Ct);

        await Eventually(() => !b.TryGet<string>("p:1", out _), "B's tagged copy is evicted");
        b.TryGet<string>("u:1", out _).Should().BeTrue();
        (await b.GetOrCreateAsync("p:1", (_, _) => ValueTask.FromResult("fresh lamp"), cancellationToken: Ct)).Should().Be("fresh lamp", "the L2 entry is invalid too");
    }

    [Fact]
    public async Task RedisStoppedAndStarted_TheCacheKeepsAnsweringAndRecovers()
    {
        SkipWithoutRedis();
        Assert.SkipUnless(redis.CanRestart, "The tests use an external Redis (PERFKIT_REDIS) that they cannot stop and start.");
        var a = await NodeAsync(breakDuration: TimeSpan.FromMilliseconds(200));
        await a.SetAsync("before", 1, cancellationToken: Ct);

        await redis.StopAsync();
        (await a.GetOrCreateAsync("during", (_, _) => ValueTask.FromResult(2), cancellationToken: Ct)).Should().Be(2);
        await a.SetAsync("during-set", 3, cancellationToken: Ct);
        await a.RemoveAsync("before", Ct);
        (await a.GetOrCreateAsync("during", (_, _) => ValueTask.FromResult(-1), cancellationToken: Ct)).Should().Be(2, "L1 still answers");

        await redis.StartAsync();
        var b = await NodeAsync();
        await Eventually(async () =>
        {
            await a.SetAsync("after", 4, cancellationToken: Ct);
            return await b.GetOrCreateAsync("after", (_, _) => ValueTask.FromResult(-1), new CacheEntryOptions { Duration = TimeSpan.FromMilliseconds(50) }, Ct) == 4;
        }, "node A writes to L2 again once Redis is back and its connection has recovered");
    }

    [Fact]
    public async Task BackplaneDispose_AfterItsConnectionWasClosed_DoesNotThrow()
    {
        SkipWithoutRedis();
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(redis.Endpoint);
        var backplane = new RedisCacheBackplane(multiplexer, new PerfKitRedisOptions { Channel = _prefix + "dispose" });
        using var subscription = backplane.Subscribe(_ => { });
        await Eventually(async () => await multiplexer.GetSubscriber().PublishAsync(RedisChannel.Literal(_prefix + "dispose"), "ping") >= 1, "the subscription is live");
        multiplexer.Close(); // as Microsoft's RedisCache does when its container disposes it
        multiplexer.Dispose();

        backplane.Invoking(b => b.Dispose()).Should().NotThrow("a container may dispose the shared connection first");
    }

    [Fact]
    public async Task AddRedis_WiresTheStoreAndTheBackplaneOverOneConnection()
    {
        SkipWithoutRedis();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPerfKitCaching().AddRedis(o =>
        {
            o.Configuration = redis.Endpoint;
            o.KeyPrefix = _prefix;
            o.Channel = _prefix + "channel";
        });
        using var host = builder.Build();
        await host.StartAsync(Ct);
        var store = host.Services.GetRequiredService<IDistributedCacheStore>();
        await store.SetAsync("k", "v"u8.ToArray(), TimeSpan.FromMinutes(1), Ct);
        var connection = host.Services.GetRequiredService<RedisConnection>();
        var raw = await (await connection.GetAsync(Ct)).GetDatabase().KeyExistsAsync(_prefix + "k");
        await host.StopAsync(Ct);

        raw.Should().BeTrue("the value is in Redis under the configured prefix");
        store.Should().BeOfType<RedisDistributedCacheStore>();
        connection.OwnsMultiplexer.Should().BeTrue();
        host.Services.GetRequiredService<ICacheBackplane>().Should().BeOfType<RedisCacheBackplane>();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var resource in _resources)
        {
            await resource.DisposeAsync();
        }
    }

    private void SkipWithoutRedis() => Assert.SkipWhen(redis.SkipReason is not null, redis.SkipReason ?? "");

    private async Task<PerfKitCache> NodeAsync(TimeSpan? breakDuration = null)
    {
        var configuration = ConfigurationOptions.Parse(redis.Endpoint);
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = 1000;
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration);
        var l2 = new RedisDistributedCacheStore(RedisConnection.Borrow(multiplexer), new PerfKitRedisOptions { KeyPrefix = _prefix });
        var backplane = new RedisCacheBackplane(multiplexer, new PerfKitRedisOptions { Channel = _prefix + "channel" });
        var cache = new PerfKitCache(
            new PerfKitCacheOptions { DistributedCacheBreakDuration = breakDuration ?? TimeSpan.FromSeconds(5), DistributedCacheTimeout = TimeSpan.FromSeconds(2) },
            new PerfKitCacheDependencies { DistributedCache = l2, Backplane = backplane });
        _resources.Add(new Disposer(() =>
        {
            cache.Dispose();
            backplane.Dispose();
            multiplexer.Dispose();
        }));

        // Wait until this node's subscription is live (one subscriber per node so far), so the test does not race its own setup.
        var nodes = ++_nodes;
        await Eventually(async () => await multiplexer.GetSubscriber().PublishAsync(RedisChannel.Literal(_prefix + "channel"), "ping") >= nodes, "the backplane subscription is live");
        return cache;
    }

    private static async Task Eventually(Func<bool> condition, string what) => await Eventually(() => Task.FromResult(condition()), what);

    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        // Waits on a real network event (pub/sub delivery, a reconnect): bounded, so a broken implementation fails.
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(50, Ct);
        }

        (await condition()).Should().BeTrue(what);
    }

    private sealed record Order(int Id, decimal Total);

    private sealed class Disposer(Action dispose) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            dispose();
            return ValueTask.CompletedTask;
        }
    }
}
