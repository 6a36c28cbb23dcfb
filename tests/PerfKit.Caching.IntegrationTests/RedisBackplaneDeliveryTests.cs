using Microsoft.Extensions.Time.Testing;
using PerfKit.Caching.Redis;
using static PerfKit.Caching.IntegrationTests.RedisTestSupport;

namespace PerfKit.Caching.IntegrationTests;

/// <summary>What a subscriber of the Redis backplane receives, however long it has been subscribed.</summary>
public sealed class RedisBackplaneDeliveryTests(RedisServer redis)
{
    private readonly string _channel = UniquePrefix() + "channel";

    [Fact]
    public async Task EveryMessage_IsHandledOnce_AfterManyHealthChecksOfTheSubscription()
    {
        Assert.SkipWhen(redis.SkipReason is not null, redis.SkipReason ?? "");
        var time = new FakeTimeProvider();
        var options = new PerfKitRedisOptions { Configuration = redis.Endpoint, Channel = _channel };
        await using var receiving = new RedisConnection(options);
        await using var sending = new RedisConnection(options);
        await using var receiver = new RedisCacheBackplane(receiving, options, new PerfKitRedisDependencies { TimeProvider = time });
        await using var sender = new RedisCacheBackplane(sending, options);
        var received = 0;
        using var subscription = receiver.Subscribe(_ => Interlocked.Increment(ref received));
        await Eventually(() => receiver.HealthChecks >= 1, "the subscription is live");

        // Ten turns of the loop that keeps the subscription (one a second on the real clock).
        for (var turn = 2; turn <= 11; turn++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            var expected = turn;
            await Eventually(() => receiver.HealthChecks >= expected, $"health check {expected}");
        }

        // The sender was never used: its connection may still be opening its pub/sub link (seen on a loaded machine:
        // "the backplane is not connected"), and a publish then fails by design. What is tested is the receiver.
        var sendingMultiplexer = await sending.GetAsync(Ct);
        await Eventually(() => sendingMultiplexer.GetSubscriber().IsConnected(), "the sender's pub/sub link is up");
        await sender.PublishAsync(new CacheInvalidation("c", "sender", CacheInvalidationKind.Key, "first", 1), Ct);
        await Eventually(() => Volatile.Read(ref received) >= 1, "the first message arrives");
        await sender.PublishAsync(new CacheInvalidation("c", "sender", CacheInvalidationKind.Key, "second", 2), Ct);
        await Eventually(() => Volatile.Read(ref received) >= 2, "the second message arrives");

        received.Should().Be(2, "each message is handled once, not once per health check the subscription has been through");
    }
}
