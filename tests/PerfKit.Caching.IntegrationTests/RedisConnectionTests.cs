using System.Globalization;
using PerfKit.Caching.Redis;
using static PerfKit.Caching.IntegrationTests.RedisTestSupport;

namespace PerfKit.Caching.IntegrationTests;

public sealed class RedisConnectionTests(RedisServer redis)
{
    [Fact]
    public async Task Owned_IsClosedOnDispose_Borrowed_IsNot()
    {
        Assert.SkipWhen(redis.SkipReason is not null, redis.SkipReason ?? "");
        var owned = new RedisConnection(new PerfKitRedisOptions { Configuration = redis.Endpoint });
        var ownedMultiplexer = await owned.GetAsync(Ct);
        await using var mine = await RawAsync(redis);
        var borrowed = RedisConnection.Borrow(mine);

        owned.OwnsMultiplexer.Should().BeTrue();
        borrowed.OwnsMultiplexer.Should().BeFalse();
        owned.Dispose();
        await borrowed.DisposeAsync();
        owned.Dispose(); // idempotent

        ownedMultiplexer.IsConnected.Should().BeFalse("PerfKit opened it, so PerfKit closes it");
        mine.IsConnected.Should().BeTrue("PerfKit borrowed it, so it stays open");
        await owned.Invoking(c => c.GetAsync(Ct).AsTask()).Should().ThrowAsync<ObjectDisposedException>();
    }

    [Fact]
    public async Task Store_RefusedPort_NeverWaitsLongerThanTheToken_AndTheTimeoutNamesTheEndpoint()
    {
        var port = DeadPort().ToString(CultureInfo.InvariantCulture);
        await using var connection = new RedisConnection(new PerfKitRedisOptions { Configuration = $"127.0.0.1:{port},connectTimeout=10000,asyncTimeout=1000" });
        var store = new RedisDistributedCacheStore(connection, new PerfKitRedisOptions());

        using (var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
        {
            var (elapsed, error) = await TimeAsync(() => store.GetAsync("k", timeout.Token).AsTask());
            error.Should().BeAssignableTo<OperationCanceledException>();
            elapsed.Should().BeLessThan(TimeSpan.FromMilliseconds(1300), "the call stops at its token (300 ms) even though the connect may take 10 s");
        }

        var (untilTimeout, timeoutError) = await TimeAsync(() => store.GetAsync("k", CancellationToken.None).AsTask());
        timeoutError.Should().NotBeNull();
        timeoutError!.Message.Should().Contain("127.0.0.1:" + port, "an operator must see which server is unreachable");
        untilTimeout.Should().BeLessThan(TimeSpan.FromSeconds(3), "without a token the wait is bounded by the AsyncTimeout (1 s)");
    }
}
