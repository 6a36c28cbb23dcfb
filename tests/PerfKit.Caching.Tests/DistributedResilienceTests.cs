using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using PerfKit.Caching.Distributed;
using static PerfKit.Caching.Tests.CacheTestHelpers;

namespace PerfKit.Caching.Tests;

/// <summary>L2 faults: what is never lost, what never waits, and what one bad key may not do (issue 9, items 1–5).</summary>
public sealed class DistributedResilienceTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task SetAsync_AfterOneFailedRead_IsNotSkipped_ItReachesL2WhenTheBreakEnds_AndTheOldValueIsNeverReadBack()
    {
        var time = new FakeTimeProvider();
        var store = new TestStore(time);
        using var writer = NewCache(time, store, Configure);
        using var cache = NewCache(time, store, Configure);
        await writer.SetAsync("k", "old", cancellationToken: Ct);
        store.Down = true;
        await cache.GetOrCreateAsync("other", (_, _) => ValueTask.FromResult(0), new CacheEntryOptions { SkipDistributedCache = false }, Ct); // one failed read opens the breaker
        store.Down = false;

        await cache.SetAsync("k", "new", cancellationToken: Ct);
        cache.TryGet("k", out string? _).Should().BeTrue();
        await cache.RemoveAsync("k", Ct); // L1 empty: a read now would go to L2, which still holds "old"
        await cache.SetAsync("k", "newest", new CacheEntryOptions { SkipDistributedCache = true }, Ct);
        await cache.RemoveAsync("k", Ct);
        var read = await cache.GetOrCreateAsync("k", (_, _) => ValueTask.FromResult("factory"), cancellationToken: Ct);

        read.Should().Be("factory", "a queued remove of the key is newer than L2's \"old\"");
        cache.PendingDistributedOperations.Should().Be(2, "\"other\" and \"k\" (the factory's result replaced the queued remove)");
        var replayed = WaitUntilAsync(() => cache.PendingDistributedOperations == 0);
        time.Advance(Break);
        await replayed.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        using var fresh = NewCache(time, store, Configure);
        (await fresh.GetOrCreateAsync("k", (_, _) => ValueTask.FromResult("wrong"), cancellationToken: Ct)).Should().Be("factory", "the breaker short-circuits reads only; writes and removes are queued and replayed, never skipped");
    }

    [Fact]
    public async Task WritesDuringAnOutage_AreQueued_AndReplayedInOrderWhenL2IsBack()
    {
        var time = new FakeTimeProvider();
        var store = new TestStore(time);
        using var meters = new MeterScope();
        using var queued = meters.Collect(PerfKitCachingDiagnostics.Instruments.OutboxQueued);
        using var replayedCount = meters.Collect(PerfKitCachingDiagnostics.Instruments.OutboxReplayed);
        using var cache = NewCache(time, store, Configure, meterFactory: meters.Factory);
        store.Down = true;

        await cache.SetAsync("k", "v1", cancellationToken: Ct);
        await cache.SetAsync("k", "v2", cancellationToken: Ct);
        await cache.RemoveAsync("gone", Ct);
        await cache.RemoveByTagAsync("catalog", Ct);

        cache.PendingDistributedOperations.Should().Be(3, "one operation per key: v2 replaced v1");
        queued.GetMeasurementSnapshot().Sum(m => m.Value).Should().Be(4);
        store.Calls.Clear();
        store.Down = false;
        var replayed = WaitUntilAsync(() => cache.PendingDistributedOperations == 0 && replayedCount.GetMeasurementSnapshot().Sum(m => m.Value) >= 3);
        time.Advance(Break);
        await replayed.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        store.Calls.Take(3).Should().Equal("set k", "remove gone", "set-tag catalog");
        Read<string>(cache, store.Peek("k")!).Should().Be("v2");
        replayedCount.GetMeasurementSnapshot().Sum(m => m.Value).Should().Be(3);
        cache.PendingDistributedOperations.Should().Be(0);
    }

    [Fact]
    public async Task RemoveThatCouldNotReachL2_KeepsTheOldValueFromBeingReadBack()
    {
        var time = new FakeTimeProvider();
        var store = new TestStore(time);
        using var writer = NewCache(time, store, Configure);

        // No break: the read below goes to L2 (as the half-open probe), so only the outbox keeps "old" out.
        using var node = NewCache(time, store, o => { Configure(o); o.DistributedCacheBreakDuration = TimeSpan.Zero; });
        await writer.SetAsync("k", "old", cancellationToken: Ct);
        store.Down = true;
        await node.RemoveAsync("k", Ct); // L2 still holds "old"
        store.Down = false;
        node.PendingDistributedOperations.Should().Be(1);

        var value = await node.GetOrCreateAsync("k", (_, _) => ValueTask.FromResult("fresh"), cancellationToken: Ct);

        value.Should().Be("fresh", "the queued remove is newer than what L2 holds");
        store.Count("get").Should().Be(0);
    }

    [Fact]
    public async Task ANewWrite_WhileAnOlderOneOnTheSameKeyIsBeingReplayed_IsNotOvertakenByIt()
    {
        var time = new FakeTimeProvider();
        var store = new TestStore(time) { Down = true };
        using var cache = NewCache(time, store, o => { Configure(o); o.DistributedCacheTimeout = TimeSpan.FromMinutes(1); });
        await cache.RemoveAsync("other", Ct);
        await cache.RemoveAsync("k", Ct); // both queued
        store.Down = false;
        store.Held["remove k"] = true; // the replay's remove reaches the server but takes effect late
        var held = store.HeldArrived;
        time.Advance(Break); // the replay: "remove other" succeeds (the breaker closes), then "remove k" is in flight
        await held.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        await cache.SetAsync("k", "newest", cancellationToken: Ct);
        store.ReleaseHeld();
        await WaitUntilAsync(() => cache.PendingDistributedOperations == 0);

        using var reader = NewCache(time, store, Configure);
        (await reader.GetOrCreateAsync("k", (_, _) => ValueTask.FromResult("absent"), cancellationToken: Ct)).Should().Be("newest", "the newer write follows the older one through the outbox instead of racing it");
        store.Calls.Where(c => c == "remove k" || c == "set k").Should().Equal("remove k", "set k");
    }

    [Fact]
    public async Task AfterABlip_QueuedWritesAreReplayedWithinATimeout_NotAWholeBreak()
    {
        var time = new FakeTimeProvider();
        var store = new TestStore(time) { Down = true };
        using var cache = NewCache(time, store, Configure);
        await cache.SetAsync("k", "new", cancellationToken: Ct); // fails: queued, the breaker opens for 5 s
        store.Down = false;

        var replayed = WaitUntilAsync(() => cache.PendingDistributedOperations == 0);
        time.Advance(Timeout);
        await replayed.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        store.Peek("k").Should().NotBeNull("the replay tries again after one L2 timeout (1 s), not after the readers' 5 s break");
    }

    [Fact]
    public async Task AGarbageTagMarker_IsRepaired_SoTheTagDoesNotStayAMissForGood()
    {
        var time = new FakeTimeProvider();
        var store = new TestStore(time);
        using var writer = NewCache(time, store, Configure);
        var tagged = new CacheEntryOptions { Tags = ["t"] };
        await writer.SetAsync("k", "before", tagged, Ct);
        store.BadMarkers.Add("t");
        using (var reader = NewCache(time, store, Configure))
        {
            (await reader.GetOrCreateAsync("k", (_, _) => ValueTask.FromResult("factory"), tagged, Ct)).Should().Be("factory");
        }

        store.BadMarkers.Should().NotContain("t", "the marker was rewritten (as an invalidation now: its real time is unknown)");
        time.Advance(TimeSpan.FromMilliseconds(10));
        await writer.SetAsync("k2", "after", tagged, Ct);
        using var later = NewCache(time, store, Configure);
        (await later.GetOrCreateAsync("k2", (_, _) => ValueTask.FromResult("factory"), tagged, Ct)).Should().Be("after", "entries of the tag written after the repair are L2 hits again");
    }

    [Fact]
    public async Task Outbox_IsBounded_DropsTheOldest_MetersEveryDrop_AndLogsOncePerOutage()
    {
        var time = new FakeTimeProvider();
        var store = new TestStore(time) { Down = true };
        using var meters = new MeterScope();
        using var dropped = meters.Collect(PerfKitCachingDiagnostics.Instruments.OutboxDropped);
        var logs = new FakeLogCollector();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(logs)));
        using var cache = NewCache(time, store, o => { Configure(o); o.DistributedOutboxCapacity = 3; }, loggers, meters.Factory);

        for (var i = 0; i < 5; i++)
        {
            await cache.SetAsync("k" + i, i, cancellationToken: Ct);
        }

        cache.PendingDistributedOperations.Should().Be(3);
        dropped.GetMeasurementSnapshot().Sum(m => m.Value).Should().Be(2);
        logs.GetSnapshot().Count(r => r.Id.Name == "DistributedOperationDropped").Should().Be(1);
        store.Calls.Clear();
        store.Down = false;
        var replayed = WaitUntilAsync(() => cache.PendingDistributedOperations == 0);
        time.Advance(Break);
        await replayed.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        store.Peek("k0").Should().BeNull("the oldest writes were dropped");
        store.Peek("k4").Should().NotBeNull();
    }

    [Fact]
    public async Task Outbox_IsBoundedInBytes_TooSoLargeValuesCannotFillMemory()
    {
        var time = new FakeTimeProvider();
        var store = new TestStore(time) { Down = true };
        using var meters = new MeterScope();
        using var dropped = meters.Collect(PerfKitCachingDiagnostics.Instruments.OutboxDropped);
        using var cache = NewCache(time, store, o => { Configure(o); o.DistributedOutboxMaximumBytes = 1024 * 1024; }, meterFactory: meters.Factory);

        for (var i = 0; i < 10; i++)
        {
            await cache.SetAsync("big" + i, new string('x', 200_000), cancellationToken: Ct); // ~200 KB serialized each
        }

        cache.PendingDistributedOperations.Should().BeInRange(4, 5, "1 MiB holds five of them at most");
        dropped.GetMeasurementSnapshot().Sum(m => m.Value).Should().Be(10 - cache.PendingDistributedOperations);
    }

    [Fact]
    public async Task AKeyErrorOnTheHalfOpenProbe_ClosesTheBreaker()
    {
        var time = new FakeTimeProvider();
        var store = new TestStore(time) { Down = true };
        using var cache = NewCache(time, store, Configure);
        await cache.GetOrCreateAsync("first", (_, _) => ValueTask.FromResult(0), cancellationToken: Ct);
        store.Down = false;
        store.BadKeys.Add("bad");
        time.Advance(Break);

        await cache.GetOrCreateAsync("bad", (_, _) => ValueTask.FromResult(1), cancellationToken: Ct); // the probe
        store.Calls.Clear();
        await cache.GetOrCreateAsync("next", (_, _) => ValueTask.FromResult(2), cancellationToken: Ct);

        store.Count("get").Should().Be(1, "the store answered the probe, so reads go to L2 again");
    }

    [Fact]
    public async Task OneBadKey_IsAMissForThatKeyOnly_AndIsDeleted()
    {
        var time = new FakeTimeProvider();
        var store = new TestStore(time);
        using var writer = NewCache(time, store, Configure);
        using var cache = NewCache(time, store, Configure);
        await writer.SetAsync("good", "from L2", cancellationToken: Ct);
        store.Put("bad", [1, 2, 3], TimeSpan.FromMinutes(1));
        store.BadKeys.Add("bad");

        var bad = await cache.GetOrCreateAsync("bad", (_, _) => ValueTask.FromResult("factory"), cancellationToken: Ct);
        var good = await cache.GetOrCreateAsync("good", (_, _) => ValueTask.FromResult("factory"), cancellationToken: Ct);

        bad.Should().Be("factory");
        good.Should().Be("from L2", "a per-key error must not open the breaker for the other keys");
        store.Calls.Should().Contain("remove bad");
    }

    [Fact]
    public async Task HangingL2_NoCallWaitsLongerThanTheTimeout_AndTheStoreSeesItsTokenCancelled()
    {
        var time = new FakeTimeProvider();
        var store = new TestStore(time) { Hang = true };
        using var cache = NewCache(time, store, Configure);

        var call = cache.GetOrCreateAsync("k", (_, _) => ValueTask.FromResult(42), cancellationToken: Ct).AsTask();
        await WaitUntilAsync(() => store.Calls.Count == 1);
        call.IsCompleted.Should().BeFalse();
        time.Advance(Timeout);

        (await call.WaitAsync(TimeSpan.FromSeconds(30), Ct)).Should().Be(42);
        store.Tokens.First().IsCancellationRequested.Should().BeTrue("the timeout cancels the call itself, not only the wait for it");
    }

    [Fact]
    public async Task AfterTheBreak_OneProbeAtATime_TheOtherCallersSkipL2()
    {
        var time = new FakeTimeProvider();
        var store = new TestStore(time) { Down = true };
        using var cache = NewCache(time, store, Configure);
        await cache.GetOrCreateAsync("first", (_, _) => ValueTask.FromResult(0), cancellationToken: Ct);
        store.Down = false;
        store.Hang = true;
        time.Advance(Break);
        store.Calls.Clear();

        var probe = cache.GetOrCreateAsync("p", (_, _) => ValueTask.FromResult(1), cancellationToken: Ct).AsTask();
        await WaitUntilAsync(() => store.Count("get") == 1);
        var others = Enumerable.Range(0, 50).Select(i => cache.GetOrCreateAsync("o" + i, (_, _) => ValueTask.FromResult(i), new CacheEntryOptions { SkipDistributedCache = true }, Ct).AsTask()).ToList();
        var readers = Enumerable.Range(0, 50).Select(i => cache.GetOrCreateAsync("r" + i, (_, _) => ValueTask.FromResult(i), new CacheEntryOptions { SkipDistributedCache = true }, Ct).AsTask()).ToList();
        await Task.WhenAll(others.Concat(readers));

        store.Count("get").Should().Be(1, "while one probe is out, the others do not wait on L2");
        store.ReleaseHang();
        store.Hang = false;
        (await probe.WaitAsync(TimeSpan.FromSeconds(30), Ct)).Should().Be(1);
    }

    [Fact]
    public async Task AfterTheBreak_ConcurrentMisses_SendOneProbe()
    {
        var time = new FakeTimeProvider();
        var store = new TestStore(time) { Down = true };
        using var cache = NewCache(time, store, Configure);
        await cache.GetOrCreateAsync("first", (_, _) => ValueTask.FromResult(0), new CacheEntryOptions { SkipDistributedCache = false }, Ct);
        store.Down = false;
        store.Hang = true;
        time.Advance(Break);
        store.Calls.Clear();

        var calls = Enumerable.Range(0, 100).Select(i => cache.GetOrCreateAsync("m" + i, (_, _) => ValueTask.FromResult(i), cancellationToken: Ct).AsTask()).ToList();
        await WaitUntilAsync(() => calls.Count(c => c.IsCompleted) >= 99);

        store.Count("get").Should().Be(1);
        time.Advance(Timeout);
        await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(30), Ct);
    }

    [Fact]
    public async Task AbandonedCalls_NeverFaultUnobserved()
    {
        var unobserved = 0;
        EventHandler<UnobservedTaskExceptionEventArgs> handler = (_, e) =>
        {
            if (e.Exception.InnerExceptions.Any(x => x.Message.Contains("late fault", StringComparison.Ordinal)))
            {
                Interlocked.Increment(ref unobserved);
            }
        };
        TaskScheduler.UnobservedTaskException += handler;
        try
        {
            var time = new FakeTimeProvider();
            var gate = new TaskCompletionSource();
            var store = new LateFaultStore(gate.Task);
            using (var cache = NewCache(time, store, Configure))
            {
                var call = cache.GetOrCreateAsync("k", (_, _) => ValueTask.FromResult(1), cancellationToken: Ct).AsTask();
                await WaitUntilAsync(() => store.Started > 0);
                time.Advance(Timeout);
                await call.WaitAsync(TimeSpan.FromSeconds(30), Ct);
            }

            gate.SetResult(); // the abandoned call now faults
            await WaitUntilAsync(() => store.Faulted > 0);
            for (var i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }

            unobserved.Should().Be(0);
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= handler;
        }
    }

    [Fact]
    public async Task AnOutage_IsLoggedOnceWhenItStarts_SummarisedAtMostOnceAMinute_AndOnceWhenItEnds()
    {
        var time = new FakeTimeProvider();
        var store = new TestStore(time) { Down = true };
        var logs = new FakeLogCollector();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(logs)));
        using var cache = NewCache(time, store, Configure, loggers);

        for (var i = 0; i < 200; i++)
        {
            await cache.SetAsync("k" + (i % 10), i, cancellationToken: Ct);
            time.Advance(TimeSpan.FromMilliseconds(100)); // 20 s in all
        }

        store.Down = false;
        await cache.SetAsync("back", 1, cancellationToken: Ct);
        var recovered = WaitUntilAsync(() => logs.GetSnapshot().Any(r => r.Id.Name == "DistributedCacheRecovered") && cache.PendingDistributedOperations == 0);
        time.Advance(Break);
        await recovered.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        var records = logs.GetSnapshot();
        records.Count(r => r.Id.Name == "DistributedCacheUnavailable").Should().Be(1);
        records.Count(r => r.Id.Name == "DistributedCacheStillUnavailable").Should().BeLessThanOrEqualTo(1);
        records.Count(r => r.Id.Name == "DistributedCacheRecovered").Should().Be(1);
        records.Count.Should().BeLessThan(10, "200 failures are metered, not logged one by one");
    }

    [Fact]
    public async Task Dispose_WithOperationsQueued_DropsThemCountedAndLogged_DisposeAsyncDeliversThem()
    {
        var time = new FakeTimeProvider();
        var store = new TestStore(time) { Down = true };
        using var meters = new MeterScope();
        using var dropped = meters.Collect(PerfKitCachingDiagnostics.Instruments.OutboxDropped);
        var first = NewCache(time, store, Configure, meterFactory: meters.Factory);
        await first.SetAsync("a", 1, cancellationToken: Ct);
        first.Dispose();
        dropped.GetMeasurementSnapshot().Sum(m => m.Value).Should().Be(1);

        var second = NewCache(time, store, Configure);
        await second.SetAsync("b", 2, cancellationToken: Ct);
        store.Down = false;
        await second.DisposeAsync();
        store.Peek("b").Should().NotBeNull();
    }

    [Fact]
    public async Task EntryTimeToLive_ReachesL2InMilliseconds()
    {
        var time = new FakeTimeProvider();
        var store = new TestStore(time);
        using var cache = NewCache(time, store, Configure);

        await cache.SetAsync("k", 1, new CacheEntryOptions { Duration = TimeSpan.FromMilliseconds(500) }, Ct);

        store.LastTimeToLive["k"].Should().Be(TimeSpan.FromMilliseconds(500));
    }

    private static void Configure(PerfKitCacheOptions o)
    {
        o.DistributedCacheTimeout = Timeout;
        o.DistributedCacheBreakDuration = Break;
    }

    private static T Read<T>(PerfKitCache cache, byte[] payload)
    {
        _ = cache;
        return System.Text.Json.JsonSerializer.Deserialize<T>(payload.AsSpan(35))!;
    }

    private sealed class LateFaultStore(Task gate) : IDistributedCacheStore
    {
        public int Started;
        public int Faulted;

        public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Started);
            await gate.ConfigureAwait(false); // ignores the token, as a client without cancellation does
            Interlocked.Increment(ref Faulted);
            throw new IOException("late fault");
        }

        public ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask RemoveAsync(string key, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<long[]> GetTagInvalidationsAsync(IReadOnlyList<string> tags, CancellationToken cancellationToken) => ValueTask.FromResult(new long[tags.Count]);

        public ValueTask SetTagInvalidationAsync(string tag, long invalidatedAtUtcMs, TimeSpan timeToLive, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}

/// <summary>A meter factory of the tests' own, and collectors on its PerfKit.Caching instruments.</summary>
internal sealed class MeterScope : IDisposable
{
    private readonly ServiceProvider _provider = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public IMeterFactory Factory => _provider.GetRequiredService<IMeterFactory>();

    public MetricCollector<long> Collect(string instrument) => new(Factory, PerfKitCachingDiagnostics.MeterName, instrument);

    public void Dispose() => _provider.Dispose();
}
