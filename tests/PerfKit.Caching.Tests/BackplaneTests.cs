using Microsoft.Extensions.Time.Testing;
using static PerfKit.Caching.Tests.CacheTestHelpers;

namespace PerfKit.Caching.Tests;

public sealed class BackplaneTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Set_OnOneNode_EvictsTheOtherNodesL1Copy()
    {
        var (time, l2, bus) = (new FakeTimeProvider(), NewDistributed(new FakeTimeProvider()), new InProcessBackplane());
        using var a = Node(time, l2, bus);
        using var b = Node(time, l2, bus);
        await a.SetAsync("price", 10, cancellationToken: Ct);
        (await b.GetOrCreateAsync("price", (_, _) => ValueTask.FromResult(-1), cancellationToken: Ct)).Should().Be(10);

        await a.SetAsync("price", 12, cancellationToken: Ct);

        b.TryGet<int>("price", out _).Should().BeFalse("the invalidation evicted B's copy");
        (await b.GetOrCreateAsync("price", (_, _) => ValueTask.FromResult(-1), cancellationToken: Ct)).Should().Be(12);
        bus.Published.Should().Be(2);
    }

    [Fact]
    public async Task FactoryResult_OnOneNode_EvictsTheOtherNodesOlderCopy()
    {
        var time = new FakeTimeProvider();
        var (l2, bus) = (NewDistributed(time), new InProcessBackplane());
        using var a = Node(time, l2, bus);
        using var b = Node(time, l2, bus);
        await b.SetAsync("k", "old", new CacheEntryOptions { Duration = TimeSpan.FromMinutes(10) }, Ct);
        await a.RemoveAsync("k", Ct);

        b.TryGet<string>("k", out _).Should().BeFalse();
        await a.GetOrCreateAsync("k", (_, _) => ValueTask.FromResult("new"), cancellationToken: Ct);
        (await b.GetOrCreateAsync("k", (_, _) => ValueTask.FromResult("b's own"), cancellationToken: Ct)).Should().Be("new");
    }

    [Fact]
    public async Task RemoveByTag_OnOneNode_EvictsTaggedCopiesEverywhereAtOnce()
    {
        var time = new FakeTimeProvider();
        var (l2, bus) = (NewDistributed(time), new InProcessBackplane());
        using var a = Node(time, l2, bus);
        using var b = Node(time, l2, bus);
        await b.SetAsync("p:1", 1, new CacheEntryOptions { Tags = ["catalog"] }, Ct);
        await b.SetAsync("u:1", 2, new CacheEntryOptions { Tags = ["users"] }, Ct);

        await a.RemoveByTagAsync("catalog", Ct);

        b.TryGet<int>("p:1", out _).Should().BeFalse();
        b.TryGet<int>("u:1", out _).Should().BeTrue();
    }

    [Fact]
    public async Task LostMessage_LeavesACopyStaleOnlyUntilTheRevalidationInterval()
    {
        var time = new FakeTimeProvider();
        var (l2, bus) = (NewDistributed(time), new InProcessBackplane());
        using var a = Node(time, l2, bus);
        using var b = Node(time, l2, bus);
        var options = new CacheEntryOptions { Duration = TimeSpan.FromHours(1) };
        await b.SetAsync("k", "v1", options, Ct);

        bus.Drop = true; // the invalidation of the next write is lost
        await a.SetAsync("k", "v2", options, Ct);
        b.TryGet<string>("k", out var before).Should().BeTrue();
        before.Should().Be("v1", "without the message B cannot know yet");
        time.Advance(TimeSpan.FromSeconds(10));

        (await b.GetOrCreateAsync("k", (_, _) => ValueTask.FromResult("factory"), options, Ct)).Should().Be("v2", "past the interval B checks L2 again");
    }

    [Fact]
    public async Task Revalidation_WhileL2IsDown_KeepsServingTheCopy()
    {
        var time = new FakeTimeProvider();
        var l2 = new FlakyDistributedCache(NewDistributed(time));
        using var b = Node(time, l2, new InProcessBackplane());
        await b.SetAsync("k", "v1", new CacheEntryOptions { Duration = TimeSpan.FromHours(1) }, Ct);
        l2.Down = true;
        time.Advance(TimeSpan.FromSeconds(10));
        var calls = 0;

        var value = await b.GetOrCreateAsync("k", (_, _) => { calls++; return ValueTask.FromResult("factory"); }, cancellationToken: Ct);

        value.Should().Be("v1");
        calls.Should().Be(0, "a fresh copy is not thrown away because L2 cannot confirm it");
    }

    [Fact]
    public async Task PublishFailure_NeverFailsTheWrite()
    {
        var time = new FakeTimeProvider();
        using var a = Node(time, NewDistributed(time), new InProcessBackplane { Fail = true });

        await a.SetAsync("k", 1, cancellationToken: Ct);
        await a.RemoveAsync("k", Ct);
        await a.RemoveByTagAsync("t", Ct);

        (await a.GetOrCreateAsync("k", (_, _) => ValueTask.FromResult(2), cancellationToken: Ct)).Should().Be(2);
    }

    private static PerfKitCache Node(FakeTimeProvider time, Microsoft.Extensions.Caching.Distributed.IDistributedCache l2, ICacheBackplane bus) =>
        new(new PerfKitCacheOptions { BackplaneRevalidationInterval = TimeSpan.FromSeconds(5) }, new PerfKitCacheDependencies { DistributedCache = new PerfKit.Caching.Distributed.DistributedCacheAdapter(l2), TimeProvider = time, Backplane = bus });

    /// <summary>A real backplane within one process: every subscriber receives every message, synchronously.</summary>
    private sealed class InProcessBackplane : ICacheBackplane
    {
        private readonly List<Action<CacheInvalidation>> _handlers = [];

        public bool Drop { get; set; }

        public bool Fail { get; set; }

        public int Published { get; private set; }

        public ValueTask PublishAsync(CacheInvalidation invalidation, CancellationToken cancellationToken)
        {
            if (Fail)
            {
                return ValueTask.FromException(new IOException("backplane down"));
            }

            Published++;
            if (!Drop)
            {
                foreach (var handler in _handlers.ToArray())
                {
                    handler(invalidation);
                }
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
