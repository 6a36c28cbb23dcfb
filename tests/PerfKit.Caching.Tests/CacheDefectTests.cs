using System.Numerics;
using Microsoft.Extensions.Time.Testing;
using PerfKit.Caching.Internal;
using static PerfKit.Caching.Tests.CacheTestHelpers;

namespace PerfKit.Caching.Tests;

/// <summary>Regression tests for the defects of issue 9, items 6–13 (and the core side of 16).</summary>
public sealed class CacheDefectTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public void DisposedOrForgottenCaches_AreNotKeptAliveByTheirMetrics()
    {
        var values = new List<WeakReference>();
        for (var i = 0; i < 5; i++)
        {
            values.Add(FillAndDispose(dispose: i % 2 == 0));
        }

        for (var attempt = 0; attempt < 5 && values.Any(v => v.IsAlive); attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        values.Should().OnlyContain(v => !v.IsAlive, "the shared meter's gauges read a weak registry; they must not hold a cache's L1");
    }

    [Fact]
    public async Task Clock_DoesNotOverflow_AfterAHundredAndSevenDaysOnANanosecondCounter()
    {
        // 0.5 s before timestamp * 1000 overflows with a 1 GHz counter (about 106.75 days of uptime).
        var clock = new ManualClock(frequency: 1_000_000_000, start: (long.MaxValue / 1000) - 500_000_000);
        using var cache = new PerfKitCache(new PerfKitCacheOptions(), new PerfKitCacheDependencies { TimeProvider = clock });
        await cache.SetAsync("k", "v", new CacheEntryOptions { Duration = TimeSpan.FromSeconds(1) }, Ct);

        clock.Advance(TimeSpan.FromHours(1));

        cache.TryGet("k", out string? _).Should().BeFalse("a 1 s entry must have expired an hour later");
    }

    [Theory]
    [InlineData(10_000_000L)]
    [InlineData(1_000_000_000L)]
    [InlineData(3_579_545L)]
    public void ToMilliseconds_IsExact_ForTimestampsWhoseProductWouldOverflow(long frequency)
    {
        foreach (var timestamp in new[] { 0L, 1L, frequency - 1, frequency, long.MaxValue / 1000 + 1, DateTimeOffset.UtcNow.Ticks, long.MaxValue })
        {
            var exact = (long)(new BigInteger(timestamp) * 1000 / frequency);
            CacheClock.ToMilliseconds(timestamp, frequency).Should().Be(exact, "timestamp {0} at {1} Hz", timestamp, frequency);
        }
    }

    [Fact]
    public async Task JoiningALoadOfAnotherType_GetsItsOwnValue_NotDefault()
    {
        using var cache = NewCache(new FakeTimeProvider());
        var gate = new TaskCompletionSource<string>();
        var first = cache.GetOrCreateAsync<string>("k", async (_, _) => await gate.Task, cancellationToken: Ct).AsTask();
        var second = cache.GetOrCreateAsync("k", (_, _) => ValueTask.FromResult(7), cancellationToken: Ct).AsTask();

        gate.SetResult("text");

        (await first).Should().Be("text");
        (await second).Should().Be(7);
    }

    [Fact]
    public async Task FailingEagerRefresh_WithoutFailSafe_BacksOff()
    {
        var time = new FakeTimeProvider();
        using var cache = NewCache(time);
        var options = new CacheEntryOptions { Duration = TimeSpan.FromSeconds(10), EagerRefreshThreshold = 0.5, FailSafeThrottle = TimeSpan.FromSeconds(30) };
        var calls = 0;
        var refreshed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ValueTask<int> Factory(CacheFactoryContext context, CancellationToken ct)
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                return ValueTask.FromResult(1);
            }

            refreshed.TrySetResult();
            return ValueTask.FromException<int>(new IOException("source down"));
        }

        await cache.GetOrCreateAsync("k", Factory, options, Ct);
        time.Advance(TimeSpan.FromSeconds(6));
        (await cache.GetOrCreateAsync("k", Factory, options, Ct)).Should().Be(1);
        await refreshed.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct); // the refresh runs in the background

        for (var i = 0; i < 1000; i++)
        {
            (await cache.GetOrCreateAsync("k", Factory, options, Ct)).Should().Be(1);
        }

        calls.Should().Be(2, "one failed refresh, then none until the throttle has passed");
    }

    [Fact]
    public async Task NegativeSizeFromAFactory_IsRejected()
    {
        using var cache = NewCache(new FakeTimeProvider(), configure: o => o.MaximumWeight = 100);

        var act = async () => await cache.GetOrCreateAsync("k", (ctx, _) => { ctx.Size = -10; return ValueTask.FromResult(1); }, cancellationToken: Ct);

        (await act.Should().ThrowAsync<ArgumentOutOfRangeException>()).WithMessage("*Size*negative*");
        cache.Count.Should().Be(0);
    }

    [Fact]
    public async Task EntriesReadFromL2_KeepTheirSize_RespectMaximumWeightAndMaximumEntrySize_AndEagerRefresh()
    {
        var time = new FakeTimeProvider();
        var store = new TestStore(time);
        using var writer = NewCache(time, store);
        var options = new CacheEntryOptions { Size = 10, Duration = TimeSpan.FromSeconds(10), EagerRefreshThreshold = 0.5 };
        for (var i = 0; i < 50; i++)
        {
            await writer.SetAsync("k" + i, i, options, Ct);
        }

        using var weighed = NewCache(time, store, o => o.MaximumWeight = 100);
        using var small = NewCache(time, store, o => o.MaximumEntrySize = 5);
        for (var i = 0; i < 50; i++)
        {
            (await weighed.GetOrCreateAsync("k" + i, (_, _) => ValueTask.FromResult(-1), options, Ct)).Should().Be(i);
        }

        (await small.GetOrCreateAsync("k0", (_, _) => ValueTask.FromResult(-1), new CacheEntryOptions { Size = 1 }, Ct)).Should().Be(0, "the value is served");
        weighed.Count.Should().BeLessThanOrEqualTo(10, "50 entries of size 10 in a weight limit of 100");
        small.Count.Should().Be(0, "an entry of size 10 is above MaximumEntrySize 5");

        var refreshed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        time.Advance(TimeSpan.FromSeconds(6));
        await weighed.GetOrCreateAsync("k49", (_, _) => { refreshed.TrySetResult(); return ValueTask.FromResult(490); }, options, Ct);
        await refreshed.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct); // an entry read from L2 eager-refreshes like one made here (in the background)
    }

    [Fact]
    public async Task AfterDispose_EveryCallThrowsObjectDisposed_AndNoFactoryRuns()
    {
        var cache = NewCache(new FakeTimeProvider());
        await cache.SetAsync("hit", 1, cancellationToken: Ct);
        cache.Dispose();
        var calls = 0;

        await FluentActions.Awaiting(async () => await cache.GetOrCreateAsync("hit", (_, _) => { calls++; return ValueTask.FromResult(2); }, cancellationToken: Ct)).Should().ThrowAsync<ObjectDisposedException>();
        await FluentActions.Awaiting(async () => await cache.GetOrCreateAsync("miss", (_, _) => { calls++; return ValueTask.FromResult(2); }, cancellationToken: Ct)).Should().ThrowAsync<ObjectDisposedException>();
        await FluentActions.Awaiting(async () => await cache.SetAsync("k", 1, cancellationToken: Ct)).Should().ThrowAsync<ObjectDisposedException>();
        await FluentActions.Awaiting(async () => await cache.RemoveAsync("k", Ct)).Should().ThrowAsync<ObjectDisposedException>();
        await FluentActions.Awaiting(async () => await cache.RemoveByTagAsync("t", Ct)).Should().ThrowAsync<ObjectDisposedException>();
        FluentActions.Invoking(() => cache.TryGet("hit", out int _)).Should().Throw<ObjectDisposedException>();
        calls.Should().Be(0);
    }

    [Fact]
    public async Task RemoveByTag_RemovesThroughTheIndex_AndTheIndexEmptiesWithL1()
    {
        using var cache = NewCache(new FakeTimeProvider(), configure: o => o.MaximumEntries = 10);
        for (var i = 0; i < 100; i++)
        {
            await cache.SetAsync("k" + i, i, new CacheEntryOptions { Tags = ["t" + i, "all"] }, Ct);
        }

        cache.IndexedTagCount.Should().Be(11, "evicted entries leave the index: 10 entries' own tags plus \"all\"");
        await cache.RemoveByTagAsync("all", Ct);
        cache.Count.Should().Be(0);
        cache.IndexedTagCount.Should().Be(0);
    }

    [Fact]
    public async Task TagRecords_ArePruned_AndL2Markers_ExpireAfterTheLongestEntryLifetime()
    {
        var time = new FakeTimeProvider();
        var store = new TestStore(time);
        using var cache = NewCache(time, store, o => o.MaximumEntryLifetime = TimeSpan.FromHours(1));
        for (var i = 0; i < 500; i++)
        {
            await cache.RemoveByTagAsync("tag" + i, Ct);
        }

        store.Marker("tag0")!.Value.Ttl.Should().Be(TimeSpan.FromHours(1));
        cache.TagInvalidationCount.Should().Be(500);
        time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await cache.RemoveByTagAsync("later", Ct);

        cache.TagInvalidationCount.Should().Be(1, "records older than MaximumEntryLifetime can no longer invalidate anything");
        store.Marker("tag0").Should().BeNull();
    }

    [Fact]
    public async Task EntryOptionsLongerThanMaximumEntryLifetime_AreRefusedNamingBothOptions()
    {
        using var cache = NewCache(new FakeTimeProvider(), configure: o => o.MaximumEntryLifetime = TimeSpan.FromHours(1));

        var act = async () => await cache.SetAsync("k", 1, new CacheEntryOptions { Duration = TimeSpan.FromMinutes(50), FailSafeMaxStaleness = TimeSpan.FromMinutes(20) }, Ct);

        (await act.Should().ThrowAsync<ArgumentOutOfRangeException>()).WithMessage("*FailSafeMaxStaleness*MaximumEntryLifetime*");
    }

    [Fact]
    public async Task AnL2HitWithSeveralTags_ReadsAllTheirMarkersInOneRoundTrip()
    {
        var time = new FakeTimeProvider();
        var store = new TestStore(time);
        using var writer = NewCache(time, store);
        await writer.SetAsync("k", 1, new CacheEntryOptions { Tags = ["a", "b", "c"] }, Ct);
        using var reader = NewCache(time, store);
        store.Calls.Clear();

        (await reader.GetOrCreateAsync("k", (_, _) => ValueTask.FromResult(-1), cancellationToken: Ct)).Should().Be(1);

        store.Calls.Should().Equal("get k", "get-tags a,b,c");
    }

    [Fact]
    public async Task BackplaneThatCannotPublish_IsNotCountedAsSent_AndAHangingOneIsBoundedByTheTimeout()
    {
        var time = new FakeTimeProvider();
        using var meters = new MeterScope();
        using var messages = meters.Collect(PerfKitCachingDiagnostics.Instruments.BackplaneMessages);
        using var errors = meters.Collect(PerfKitCachingDiagnostics.Instruments.DistributedErrors);
        var backplane = new StuckBackplane { Throw = true };
        using var cache = NewCache(time, new TestStore(time), o => o.DistributedCacheTimeout = TimeSpan.FromSeconds(1), meterFactory: meters.Factory, backplane: backplane);

        await cache.SetAsync("k", 1, cancellationToken: Ct);
        backplane.Throw = false;
        var hanging = cache.SetAsync("k", 2, cancellationToken: Ct).AsTask();
        await WaitUntilAsync(() => backplane.Calls == 2);
        hanging.IsCompleted.Should().BeFalse();
        time.Advance(TimeSpan.FromSeconds(1));
        await hanging.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        messages.GetMeasurementSnapshot().Where(m => (string?)m.Tags["direction"] == "sent").Should().BeEmpty();
        errors.GetMeasurementSnapshot().Count(m => (string?)m.Tags["operation"] == "publish").Should().Be(2);
        backplane.LastToken.IsCancellationRequested.Should().BeTrue("the publish is cancelled at the deadline, not only abandoned");
    }

    private static WeakReference FillAndDispose(bool dispose)
    {
        var cache = new PerfKitCache(new PerfKitCacheOptions { Name = "leak" });
        var value = new byte[2 * 1024 * 1024];
        cache.SetAsync("big", value).AsTask().GetAwaiter().GetResult();
        if (dispose)
        {
            cache.Dispose();
        }

        return new WeakReference(value);
    }

    /// <summary>A backplane that refuses (as one that is not connected must) or never answers.</summary>
    private sealed class StuckBackplane : ICacheBackplane
    {
        public bool Throw { get; set; }

        public int Calls;

        public CancellationToken LastToken { get; private set; }

        public async ValueTask PublishAsync(CacheInvalidation invalidation, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            LastToken = cancellationToken;
            if (Throw)
            {
                throw new InvalidOperationException("not connected");
            }

            await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
        }

        public IDisposable Subscribe(Action<CacheInvalidation> handler) => new Nothing();

        private sealed class Nothing : IDisposable
        {
            public void Dispose()
            {
            }
        }
    }

    /// <summary>A clock with any counter frequency and start, for the overflow that FakeTimeProvider's ticks do not reach in the same way.</summary>
    private sealed class ManualClock(long frequency, long start) : TimeProvider
    {
        private readonly long _start = start;
        private long _timestamp = start;

        public override long TimestampFrequency => frequency;

        public override long GetTimestamp() => _timestamp;

        public override DateTimeOffset GetUtcNow() => new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero) + TimeSpan.FromSeconds((double)(_timestamp - _start) / frequency);

        public void Advance(TimeSpan by) => _timestamp += (long)(by.TotalSeconds * frequency);
    }
}
