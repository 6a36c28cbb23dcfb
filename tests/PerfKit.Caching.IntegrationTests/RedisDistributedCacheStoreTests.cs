using PerfKit.Caching.Distributed;
using PerfKit.Caching.Redis;
using StackExchange.Redis;
using static PerfKit.Caching.IntegrationTests.RedisTestSupport;

namespace PerfKit.Caching.IntegrationTests;

/// <summary>The L2 store against the real server, through <see cref="IDistributedCacheStore"/>; raw commands check what Redis holds.</summary>
public sealed class RedisDistributedCacheStoreTests(RedisServer redis) : IAsyncLifetime
{
    private readonly string _prefix = UniquePrefix();
    private ConnectionMultiplexer _raw = null!;
    private RedisConnection _connection = null!;

    private IDatabase Raw => _raw.GetDatabase();

    public async ValueTask InitializeAsync()
    {
        Assert.SkipWhen(redis.SkipReason is not null, redis.SkipReason ?? "");
        _raw = await RawAsync(redis);
        _connection = new RedisConnection(new PerfKitRedisOptions { Configuration = redis.Endpoint });
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        if (_raw is not null)
        {
            await _raw.DisposeAsync();
        }
    }

    [Fact]
    public async Task SetThenGet_StoresThePayloadAsAPlainStringUnderThePrefix()
    {
        var store = Store();

        await store.SetAsync("k", "payload"u8.ToArray(), TimeSpan.FromMinutes(1), Ct);

        (await store.GetAsync("k", Ct)).Should().Equal("payload"u8.ToArray());
        (await Raw.KeyTypeAsync(_prefix + "k")).Should().Be(RedisType.String);
        ((byte[]?)await Raw.StringGetAsync(_prefix + "k")).Should().Equal("payload"u8.ToArray());
        (await store.GetAsync("absent", Ct)).Should().BeNull();
    }

    [Fact]
    public async Task SetAsync_SubSecondTimeToLive_ReachesRedisInMilliseconds()
    {
        var store = Store();

        await store.SetAsync("short", "v"u8.ToArray(), TimeSpan.FromMilliseconds(700), Ct);

        var ttl = await Raw.ExecuteAsync("PTTL", _prefix + "short");
        ((long)ttl).Should().BeInRange(1, 700, "a 700 ms entry is kept by Redis for at most 700 ms, not truncated to 0 s (EXPIRE 0) nor to none");
    }

    [Fact]
    public async Task GetAsync_KeyOfAnotherType_IsAPerKeyError_AndTheNextKeyWorks()
    {
        var store = Store();
        await Raw.ExecuteAsync("HSET", _prefix + "hash", "field", "value");
        await store.SetAsync("good", "ok"u8.ToArray(), TimeSpan.FromMinutes(1), Ct);

        var bad = await store.Invoking(s => s.GetAsync("hash", Ct).AsTask()).Should().ThrowAsync<DistributedCacheKeyException>();
        bad.WithMessage($"*{_prefix}hash*WRONGTYPE*");

        (await store.GetAsync("good", Ct)).Should().Equal("ok"u8.ToArray());
        await store.SetAsync("hash", "fixed"u8.ToArray(), TimeSpan.FromMinutes(1), Ct);
        (await store.GetAsync("hash", Ct)).Should().Equal("fixed"u8.ToArray(), "a write replaces a key of another type");
    }

    [Fact]
    public async Task GetAsync_PayloadOverTheLimit_IsAPerKeyError_WithoutReadingItWhole()
    {
        var store = Store(maximumPayloadBytes: 1024);
        await Raw.StringSetAsync(_prefix + "big", new byte[64 * 1024]);
        await Raw.StringSetAsync(_prefix + "exact", new byte[1024]);

        (await store.Invoking(s => s.GetAsync("big", Ct).AsTask()).Should().ThrowAsync<DistributedCacheKeyException>())
            .WithMessage("*MaximumPayloadBytes*");

        (await store.GetAsync("exact", Ct)).Should().HaveCount(1024, "a payload of exactly the limit is read");
    }

    [Fact]
    public async Task SetAsync_PayloadOverTheLimit_DeletesTheOldValue_AndIsAPerKeyError()
    {
        var store = Store(maximumPayloadBytes: 1024);
        await store.SetAsync("k", "old"u8.ToArray(), TimeSpan.FromMinutes(1), Ct);

        await store.Invoking(s => s.SetAsync("k", new byte[2048], TimeSpan.FromMinutes(1), Ct).AsTask()).Should().ThrowAsync<DistributedCacheKeyException>();

        (await Raw.KeyExistsAsync(_prefix + "k")).Should().BeFalse("no node may keep reading the old value");
    }

    [Fact]
    public async Task TagMarkers_AreReadInOneMget_KeepTheLaterTime_AndExpire()
    {
        var store = Store();
        await store.SetTagInvalidationAsync("a", 2_000, TimeSpan.FromMinutes(5), Ct);
        await store.SetTagInvalidationAsync("a", 1_000, TimeSpan.FromMilliseconds(90_500), Ct); // an older time arriving late
        await store.SetTagInvalidationAsync("b", 3_000, TimeSpan.FromMinutes(5), Ct);

        var times = await store.GetTagInvalidationsAsync(["a", "b", "never"], Ct);

        times.Should().Equal(2_000, 3_000, 0);
        ((string?)await Raw.StringGetAsync(_prefix + "__tag:a")).Should().Be("2000", "the marker key is {KeyPrefix}__tag:{tag} and holds Unix milliseconds");
        ((long)await Raw.ExecuteAsync("PTTL", _prefix + "__tag:a")).Should().BeInRange(1, 90_500, "the marker has a TTL in milliseconds");
    }

    [Fact]
    public async Task TagMarker_HoldingGarbage_IsAPerKeyError_OtherTagsWork_AndTheNextInvalidationRepairsIt()
    {
        var store = Store();
        await Raw.StringSetAsync(_prefix + "__tag:bad", "not a number");
        await store.SetTagInvalidationAsync("good", 5_000, TimeSpan.FromMinutes(1), Ct);

        (await store.Invoking(s => s.GetTagInvalidationsAsync(["good", "bad"], Ct).AsTask()).Should().ThrowAsync<DistributedCacheKeyException>())
            .WithMessage($"*{_prefix}__tag:bad*");
        (await store.GetTagInvalidationsAsync(["good"], Ct)).Should().Equal(5_000);

        await store.SetTagInvalidationAsync("bad", 7_000, TimeSpan.FromMinutes(1), Ct);
        (await store.GetTagInvalidationsAsync(["good", "bad"], Ct)).Should().Equal(5_000, 7_000);
    }

    [Fact]
    public async Task SetTagInvalidation_OverAKeyOfAnotherType_ReplacesIt()
    {
        var store = Store();
        await Raw.ExecuteAsync("HSET", _prefix + "__tag:h", "field", "value");

        await store.SetTagInvalidationAsync("h", 9_000, TimeSpan.FromMinutes(1), Ct);

        (await store.GetTagInvalidationsAsync(["h"], Ct)).Should().Equal(9_000);
    }

    private RedisDistributedCacheStore Store(int maximumPayloadBytes = PerfKitRedisOptions.DefaultMaximumPayloadBytes) =>
        new(_connection, new PerfKitRedisOptions { KeyPrefix = _prefix, MaximumPayloadBytes = maximumPayloadBytes });
}

/// <summary>Counts the server's commands or pauses it, so these run with the server to themselves.</summary>
[Collection(RedisAlone.Name)]
public sealed class RedisDistributedCacheStoreAloneTests(RedisServer redis) : IAsyncLifetime
{
    private readonly string _prefix = UniquePrefix();
    private ConnectionMultiplexer _raw = null!;
    private RedisConnection _connection = null!;

    private IDatabase Raw => _raw.GetDatabase();

    public async ValueTask InitializeAsync()
    {
        Assert.SkipWhen(redis.SkipReason is not null, redis.SkipReason ?? "");
        _raw = await RawAsync(redis);
        _connection = new RedisConnection(new PerfKitRedisOptions { Configuration = redis.Endpoint });
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _raw.DisposeAsync();
    }

    [Fact]
    [Trait("Server", "redis-server")] // a redis-server command; CI's Garnet pass leaves it out
    public async Task GetTagInvalidations_OneRoundTripForAllTags()
    {
        Assert.SkipWhen(redis.IsGarnet, "Counts commands with INFO commandstats, which the test reads from redis-server.");
        var store = new RedisDistributedCacheStore(_connection, new PerfKitRedisOptions { KeyPrefix = _prefix });
        await _connection.GetAsync(Ct);
        var before = await CommandCallsAsync();

        await store.GetTagInvalidationsAsync(["t1", "t2", "t3", "t4"], Ct);

        var after = await CommandCallsAsync();
        (after.Mget - before.Mget).Should().Be(1);
        (after.Get - before.Get).Should().Be(0);
    }

    [Fact]
    [Trait("Server", "redis-server")] // a redis-server command; CI's Garnet pass leaves it out
    public async Task GetAsync_ServerPaused_StopsWaitingAtTheToken_AndTheNextCallWorks()
    {
        Assert.SkipWhen(redis.IsGarnet, "Pauses the server with CLIENT PAUSE, a redis-server command.");
        var store = new RedisDistributedCacheStore(_connection, new PerfKitRedisOptions { KeyPrefix = _prefix });
        await store.SetAsync("k", "v"u8.ToArray(), TimeSpan.FromMinutes(1), Ct);
        await _connection.GetAsync(Ct); // connected before the pause
        await Raw.ExecuteAsync("CLIENT", "PAUSE", "1500", "ALL");

        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var (elapsed, error) = await TimeAsync(() => store.GetAsync("k", timeout.Token).AsTask());

        error.Should().BeAssignableTo<OperationCanceledException>();
        elapsed.Should().BeLessThan(TimeSpan.FromMilliseconds(1200), "the call stops waiting at its token (200 ms), not when the 1.5 s pause ends");
        await Eventually(async () => (await store.GetAsync("k", Ct)) is { Length: 1 }, "the store answers again after the pause");
    }

    private async Task<(long Get, long Mget)> CommandCallsAsync()
    {
        var info = (string?)await Raw.ExecuteAsync("INFO", "commandstats") ?? "";
        return (Calls(info, "cmdstat_get:"), Calls(info, "cmdstat_mget:"));

        static long Calls(string info, string name)
        {
            var line = info.Split('\n').FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line[(line.IndexOf("calls=", StringComparison.Ordinal) + 6)..line.IndexOf(',', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
