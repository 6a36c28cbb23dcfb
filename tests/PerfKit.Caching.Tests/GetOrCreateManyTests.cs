using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace PerfKit.Caching.Tests;

public sealed class GetOrCreateManyTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task HitsAndMisses_TheFactoryIsCalledOnce_WithExactlyTheMisses_AndTheirValuesAreCached()
    {
        using var cache = new PerfKitCache();
        await cache.SetAsync("k1", "cached-1", cancellationToken: Ct);
        await cache.SetAsync("k3", "cached-3", cancellationToken: Ct);
        var factory = new RecordingFactory();

        var values = await cache.GetOrCreateManyAsync(["k1", "k2", "k3", "k4", "k2"], factory.Invoke, cancellationToken: Ct);

        values.Should().BeEquivalentTo(new Dictionary<string, string> { ["k1"] = "cached-1", ["k2"] = "made-k2", ["k3"] = "cached-3", ["k4"] = "made-k4" });
        factory.Calls.Should().ContainSingle().Which.Should().Equal("k2", "k4");
        cache.TryGet<string>("k4", out var stored).Should().BeTrue();
        stored.Should().Be("made-k4");

        (await cache.GetOrCreateManyAsync(["k2", "k4"], factory.Invoke, cancellationToken: Ct)).Should().HaveCount(2);
        factory.Calls.Should().HaveCount(1, "everything is in L1 now");
    }

    [Fact]
    public async Task OverlappingCalls_ShareTheLoadsOfCommonKeys_AndASingleKeyCallerJoinsToo()
    {
        using var cache = new PerfKitCache();
        var gate = new TaskCompletionSource();
        var first = new RecordingFactory { Gate = gate.Task };
        var second = new RecordingFactory();
        var single = 0;

        var a = cache.GetOrCreateManyAsync(["k1", "k2", "k3"], first.Invoke, cancellationToken: Ct).AsTask();
        (await first.Called.WaitAsync(Wait, Ct)).Should().BeTrue();
        var b = cache.GetOrCreateManyAsync(["k2", "k3", "k4"], second.Invoke, cancellationToken: Ct).AsTask();
        var c = cache.GetOrCreateAsync("k2", (_, _) => { Interlocked.Increment(ref single); return ValueTask.FromResult("single"); }, cancellationToken: Ct).AsTask();
        (await second.Called.WaitAsync(Wait, Ct)).Should().BeTrue();
        second.Calls.Should().ContainSingle().Which.Should().Equal(["k4"], "k2 and k3 are being loaded by the first call");
        b.IsCompleted.Should().BeFalse();
        gate.SetResult();

        (await a.WaitAsync(Wait, Ct)).Keys.Should().BeEquivalentTo(["k1", "k2", "k3"]);
        (await b.WaitAsync(Wait, Ct)).Should().BeEquivalentTo(new Dictionary<string, string> { ["k2"] = "made-k2", ["k3"] = "made-k3", ["k4"] = "made-k4" });
        (await c.WaitAsync(Wait, Ct)).Should().Be("made-k2");
        single.Should().Be(0);
        first.Calls.Should().ContainSingle();
    }

    [Fact]
    public async Task AKeyTheFactoryLeavesOut_IsMissingFromTheResult_AndNotCached_AndASingleKeyWaiterAsksItsOwnFactory()
    {
        using var cache = new PerfKitCache();
        var gate = new TaskCompletionSource();
        var factory = new RecordingFactory { Gate = gate.Task, Leave = k => k == "gone" };

        var many = cache.GetOrCreateManyAsync(["here", "gone"], factory.Invoke, cancellationToken: Ct).AsTask();
        (await factory.Called.WaitAsync(Wait, Ct)).Should().BeTrue();
        var waiter = cache.GetOrCreateAsync("gone", (_, _) => ValueTask.FromResult("from the single caller"), cancellationToken: Ct).AsTask();
        gate.SetResult();

        (await many.WaitAsync(Wait, Ct)).Should().BeEquivalentTo(new Dictionary<string, string> { ["here"] = "made-here" });
        (await waiter.WaitAsync(Wait, Ct)).Should().Be("from the single caller");
        cache.TryGet<string>("gone", out var stored).Should().BeTrue();
        stored.Should().Be("from the single caller", "the single caller's own load stored it, not the batch");
    }

    [Fact]
    public async Task AKeyTheFactoryLeavesOut_IsNeverHandedToAnObjectTypedWaiter_AsSomeInternalMarker()
    {
        using var cache = new PerfKitCache();
        var gate = new TaskCompletionSource();
        var called = new SemaphoreSlim(0);
        var many = cache.GetOrCreateManyAsync<object>(["gone"], async (_, _) =>
        {
            called.Release();
            await gate.Task;
            return new Dictionary<string, object>();
        }, cancellationToken: Ct).AsTask();
        (await called.WaitAsync(Wait, Ct)).Should().BeTrue();
        var waiter = cache.GetOrCreateAsync<object>("gone", (_, _) => ValueTask.FromResult<object>("own value"), cancellationToken: Ct).AsTask();
        gate.SetResult();

        (await many.WaitAsync(Wait, Ct)).Should().BeEmpty();
        (await waiter.WaitAsync(Wait, Ct)).Should().Be("own value");
    }

    [Fact]
    public async Task AFactoryThatThrows_ServesStaleWhereFailSafeHasIt_AndThrowsForTheOthers_AndTheKeysAreNotLeftInFlight()
    {
        var time = new FakeTimeProvider();
        using var cache = new PerfKitCache(new PerfKitCacheOptions(), new PerfKitCacheDependencies { TimeProvider = time });
        var options = new CacheEntryOptions { Duration = TimeSpan.FromMinutes(1), FailSafeMaxStaleness = TimeSpan.FromHours(1) };
        await cache.SetAsync("old", "stale value", options, Ct);
        time.Advance(TimeSpan.FromMinutes(2));
        var failing = new RecordingFactory { Throw = true };

        var act = () => cache.GetOrCreateManyAsync(["old", "new"], failing.Invoke, options, Ct).AsTask();

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Be("backend down");
        (await cache.GetOrCreateManyAsync(["old"], failing.Invoke, options, Ct)).Should().BeEquivalentTo(new Dictionary<string, string> { ["old"] = "stale value" }, "fail-safe throttles the factory and serves the stale value");
        var working = new RecordingFactory();
        (await cache.GetOrCreateManyAsync(["new"], working.Invoke, options, Ct)).Should().ContainKey("new");
        working.Calls.Should().ContainSingle();
    }

    [Fact]
    public async Task ACallersCancellation_EndsItsOwnWait_AndTheLoadGoesOnForTheOthers()
    {
        using var cache = new PerfKitCache();
        var gate = new TaskCompletionSource();
        var factory = new RecordingFactory { Gate = gate.Task };
        using var leaving = new CancellationTokenSource();

        var leaver = cache.GetOrCreateManyAsync(["k1", "k2"], factory.Invoke, cancellationToken: leaving.Token).AsTask();
        (await factory.Called.WaitAsync(Wait, Ct)).Should().BeTrue();
        var stayer = cache.GetOrCreateAsync("k1", (_, _) => ValueTask.FromResult("own"), cancellationToken: Ct).AsTask();
        await leaving.CancelAsync();
        var act = () => leaver.WaitAsync(Wait, Ct);
        await act.Should().ThrowAsync<OperationCanceledException>();
        gate.SetResult();

        (await stayer.WaitAsync(Wait, Ct)).Should().Be("made-k1");
        factory.Tokens.Should().ContainSingle().Which.IsCancellationRequested.Should().BeFalse();
    }

    [Fact]
    public async Task ValuesAreStoredWithTheEntryOptionsTags()
    {
        using var cache = new PerfKitCache();
        var factory = new RecordingFactory();
        var options = new CacheEntryOptions { Duration = TimeSpan.FromMinutes(5), Tags = ["rows"] };

        await cache.GetOrCreateManyAsync(["r1", "r2"], factory.Invoke, options, Ct);
        await cache.RemoveByTagAsync("rows", Ct);

        cache.TryGet<string>("r1", out _).Should().BeFalse();
        await cache.GetOrCreateManyAsync(["r1", "r2"], factory.Invoke, options, Ct);
        factory.Calls.Should().HaveCount(2);
    }

    [Fact]
    public async Task BadArguments_AreRefusedWithTheirNames()
    {
        using var cache = new PerfKitCache();
        var factory = new RecordingFactory();

        await FluentActions.Awaiting(() => cache.GetOrCreateManyAsync(["ok", ""], factory.Invoke, cancellationToken: Ct).AsTask()).Should().ThrowAsync<ArgumentException>().WithParameterName("key");
        await FluentActions.Awaiting(() => cache.GetOrCreateManyAsync(null!, factory.Invoke, cancellationToken: Ct).AsTask()).Should().ThrowAsync<ArgumentNullException>().WithParameterName("keys");
        factory.Calls.Should().BeEmpty();
    }

    [Fact]
    public async Task AHugeKeyList_IsReadFromL2InChunks_AndWrittenWithABoundedNumberOfWritesInFlight()
    {
        var store = new CountingStore();
        using var cache = new PerfKitCache(new PerfKitCacheOptions(), new PerfKitCacheDependencies { DistributedCache = store });
        var keys = Enumerable.Range(0, 2_500).Select(i => "k" + i).ToArray();

        var values = await cache.GetOrCreateManyAsync(keys, (missing, _) => ValueTask.FromResult<IReadOnlyDictionary<string, int>>(missing.ToDictionary(k => k, k => k.Length)), cancellationToken: Ct);

        values.Should().HaveCount(2_500);
        store.Reads.Should().Equal(1_000, 1_000, 500);
        store.Writes.Should().Be(2_500);
        store.MostWritesInFlight.Should().BeInRange(1, 64);
    }

    private sealed class CountingStore : PerfKit.Caching.Distributed.IDistributedCacheStore
    {
        private readonly ConcurrentDictionary<string, byte[]> _data = new();
        private readonly ConcurrentQueue<int> _reads = new();
        private int _inFlight;
        private int _most;
        private int _writes;

        public IReadOnlyList<int> Reads => [.. _reads];

        public int Writes => _writes;

        public int MostWritesInFlight => _most;

        public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken) => ValueTask.FromResult(_data.TryGetValue(key, out var v) ? v : null);

        public ValueTask<byte[]?[]> GetManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
        {
            _reads.Enqueue(keys.Count);
            return ValueTask.FromResult(keys.Select(k => _data.TryGetValue(k, out var v) ? v : null).ToArray());
        }

        public async ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _inFlight);
            int most;
            while ((most = Volatile.Read(ref _most)) < now && Interlocked.CompareExchange(ref _most, now, most) != most)
            {
            }

            await Task.Yield();
            _data[key] = value.ToArray();
            Interlocked.Increment(ref _writes);
            Interlocked.Decrement(ref _inFlight);
        }

        public ValueTask RemoveAsync(string key, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<long[]> GetTagInvalidationsAsync(IReadOnlyList<string> tags, CancellationToken cancellationToken) => ValueTask.FromResult(new long[tags.Count]);

        public ValueTask SetTagInvalidationAsync(string tag, long invalidatedAtUtcMs, TimeSpan timeToLive, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    private sealed class RecordingFactory
    {
        private readonly ConcurrentQueue<string[]> _calls = new();
        private readonly ConcurrentQueue<CancellationToken> _tokens = new();
        private readonly SemaphoreSlim _called = new(0);

        public Task Gate { get; init; } = Task.CompletedTask;

        public Func<string, bool> Leave { get; init; } = static _ => false;

        public bool Throw { get; init; }

        public IReadOnlyList<string[]> Calls => [.. _calls];

        public IReadOnlyList<CancellationToken> Tokens => [.. _tokens];

        public SemaphoreSlim Called => _called;

        public async ValueTask<IReadOnlyDictionary<string, string>> Invoke(IReadOnlyList<string> keys, CancellationToken token)
        {
            _calls.Enqueue([.. keys]);
            _tokens.Enqueue(token);
            _called.Release();
            await Gate;
            if (Throw)
            {
                throw new InvalidOperationException("backend down");
            }

            return keys.Where(k => !Leave(k)).ToDictionary(k => k, k => "made-" + k);
        }
    }
}
