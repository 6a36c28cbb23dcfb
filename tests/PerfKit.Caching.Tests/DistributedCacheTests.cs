using Microsoft.Extensions.Time.Testing;
using static PerfKit.Caching.Tests.CacheTestHelpers;

namespace PerfKit.Caching.Tests;

/// <summary>L2 behaviour against Microsoft's real in-memory IDistributedCache; the Redis satellite has its own integration tests.</summary>
public sealed class DistributedCacheTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    private sealed record Product(int Id, string Name, decimal Price);

    [Fact]
    public async Task TwoNodes_ShareL2_SoTheSecondNodeDoesNotCallTheFactory()
    {
        var time = new FakeTimeProvider();
        var l2 = NewDistributed(time);
        using var nodeA = NewCache(time, l2);
        using var nodeB = NewCache(time, l2);
        var calls = 0;

        var a = await nodeA.GetOrCreateAsync("p:1", (_, _) => { calls++; return ValueTask.FromResult(new Product(1, "Lamp", 19.5m)); }, cancellationToken: Ct);
        var b = await nodeB.GetOrCreateAsync("p:1", (_, _) => { calls++; return ValueTask.FromResult(new Product(0, "wrong", 0)); }, cancellationToken: Ct);

        calls.Should().Be(1);
        b.Should().Be(a).And.NotBeSameAs(a, "node B deserialized its own copy from L2");
    }

    [Fact]
    public async Task L2Expiry_FollowsTheEntryDuration()
    {
        var time = new FakeTimeProvider();
        var l2 = NewDistributed(time);
        using var nodeA = NewCache(time, l2);
        using var nodeB = NewCache(time, l2);
        var options = new CacheEntryOptions { Duration = TimeSpan.FromSeconds(30) };
        await nodeA.SetAsync("k", "v1", options, Ct);
        time.Advance(TimeSpan.FromSeconds(31));
        var calls = 0;

        var value = await nodeB.GetOrCreateAsync("k", (_, _) => { calls++; return ValueTask.FromResult("v2"); }, options, Ct);

        value.Should().Be("v2");
        calls.Should().Be(1);
    }

    [Fact]
    public async Task RemoveByTag_OnOneNode_InvalidatesL2EntriesForTheOtherNode()
    {
        var time = new FakeTimeProvider();
        var l2 = NewDistributed(time);
        using var nodeA = NewCache(time, l2);
        using var nodeB = NewCache(time, l2);
        var options = new CacheEntryOptions { Tags = ["catalog"] };
        await nodeA.SetAsync("p:1", "lamp", options, Ct);
        time.Advance(TimeSpan.FromMilliseconds(5));

        await nodeA.RemoveByTagAsync("catalog", Ct);
        var fromB = await nodeB.GetOrCreateAsync("p:1", (_, _) => ValueTask.FromResult("fresh lamp"), options, Ct);

        fromB.Should().Be("fresh lamp", "node B read the tag marker and treated the L2 entry as invalid");
    }

    [Fact]
    public async Task Remove_ClearsL2Too()
    {
        var time = new FakeTimeProvider();
        var l2 = NewDistributed(time);
        using var nodeA = NewCache(time, l2);
        using var nodeB = NewCache(time, l2);
        await nodeA.SetAsync("k", 1, cancellationToken: Ct);

        await nodeA.RemoveAsync("k", Ct);

        (await nodeB.GetOrCreateAsync("k", (_, _) => ValueTask.FromResult(2), cancellationToken: Ct)).Should().Be(2);
    }

    [Fact]
    public async Task CorruptOrIncompatiblePayload_IsAMiss_AndIsOverwritten()
    {
        var time = new FakeTimeProvider();
        var l2 = NewDistributed(time);
        await l2.SetAsync("garbage", [1, 2, 3], new Microsoft.Extensions.Caching.Distributed.DistributedCacheEntryOptions(), Ct);
        using var writer = NewCache(time, l2);
        await writer.SetAsync("old-shape", "not a product", cancellationToken: Ct);
        using var reader = NewCache(time, l2);

        var fromGarbage = await reader.GetOrCreateAsync("garbage", (_, _) => ValueTask.FromResult(new Product(1, "a", 1)), cancellationToken: Ct);
        var fromOldShape = await reader.GetOrCreateAsync("old-shape", (_, _) => ValueTask.FromResult(new Product(2, "b", 2)), cancellationToken: Ct);
        using var third = NewCache(time, l2);
        var reread = await third.GetOrCreateAsync("old-shape", (_, _) => ValueTask.FromResult(new Product(0, "factory called", 0)), cancellationToken: Ct);

        fromGarbage.Id.Should().Be(1);
        fromOldShape.Id.Should().Be(2);
        reread.Id.Should().Be(2, "the bad payload was overwritten with the factory's value");
    }

    [Fact]
    public async Task L2Down_TheCacheKeepsAnswering_NeverThrows_AndRecovers()
    {
        var time = new FakeTimeProvider();
        var l2 = new FlakyDistributedCache(NewDistributed(time)) { Down = true };
        using var cache = NewCache(time, l2, o => o.DistributedCacheBreakDuration = TimeSpan.FromSeconds(5));

        (await cache.GetOrCreateAsync("k", (_, _) => ValueTask.FromResult(1), cancellationToken: Ct)).Should().Be(1);
        await cache.SetAsync("s", 2, cancellationToken: Ct);
        await cache.RemoveAsync("s", Ct);
        await cache.RemoveByTagAsync("t", Ct);
        var callsWhileBroken = l2.Calls;
        (await cache.GetOrCreateAsync("k2", (_, _) => ValueTask.FromResult(3), cancellationToken: Ct)).Should().Be(3);
        l2.Calls.Should().Be(callsWhileBroken, "the breaker skips L2 after a failure");

        l2.Down = false;
        time.Advance(TimeSpan.FromSeconds(5)); // the end of the break replays what was queued, which closes the breaker
        await WaitUntilAsync(() => cache.PendingDistributedOperations == 0);
        await cache.SetAsync("after", 4, cancellationToken: Ct);
        using var other = NewCache(time, l2);
        (await other.GetOrCreateAsync("after", (_, _) => ValueTask.FromResult(-1), cancellationToken: Ct)).Should().Be(4, "L2 is used again once it is back");
    }

    [Fact]
    public async Task FailSafe_UsesAStaleL2Value_WhenL1HasNone()
    {
        var time = new FakeTimeProvider();
        var l2 = NewDistributed(time);
        var options = new CacheEntryOptions { Duration = TimeSpan.FromSeconds(10), FailSafeMaxStaleness = TimeSpan.FromMinutes(10) };
        using (var writer = NewCache(time, l2))
        {
            await writer.SetAsync("k", "stale but useful", options, Ct);
        }

        time.Advance(TimeSpan.FromSeconds(20));
        using var fresh = NewCache(time, l2);

        var value = await fresh.GetOrCreateAsync<string>("k", (_, _) => throw new HttpRequestException("down"), options, Ct);

        value.Should().Be("stale but useful");
    }
}
