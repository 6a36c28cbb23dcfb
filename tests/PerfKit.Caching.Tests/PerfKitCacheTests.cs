using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static PerfKit.Caching.Tests.CacheTestHelpers;

namespace PerfKit.Caching.Tests;

public sealed class PerfKitCacheTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task GetOrCreate_SecondCall_IsAnL1HitReturningTheSameObject()
    {
        using var cache = NewCache(new FakeTimeProvider());
        var calls = 0;

        var first = await cache.GetOrCreateAsync("k", (_, _) => { calls++; return ValueTask.FromResult(new List<int> { 1 }); }, cancellationToken: Ct);
        var second = await cache.GetOrCreateAsync("k", (_, _) => { calls++; return ValueTask.FromResult(new List<int> { 2 }); }, cancellationToken: Ct);

        calls.Should().Be(1);
        second.Should().BeSameAs(first, "L1 stores the object: no copy, no deserialization on a hit");
    }

    [Fact]
    public async Task CopyOnRead_GivesEveryCallerItsOwnCopy()
    {
        using var cache = NewCache(new FakeTimeProvider());
        var options = new CacheEntryOptions { CopyOnRead = true };

        var first = await cache.GetOrCreateAsync("cart", (_, _) => ValueTask.FromResult(new List<string> { "lamp" }), options, Ct);
        first.Add("changed by caller 1");
        var second = await cache.GetOrCreateAsync("cart", (_, _) => ValueTask.FromResult(new List<string>()), options, Ct);
        cache.TryGet<List<string>>("cart", out var third).Should().BeTrue();

        second.Should().Equal("lamp");
        second.Should().NotBeSameAs(third);
        third.Should().Equal("lamp");
    }

    [Fact]
    public async Task GetOrCreate_AfterTheDuration_CallsTheFactoryAgain()
    {
        var time = new FakeTimeProvider();
        using var cache = NewCache(time);
        var options = new CacheEntryOptions { Duration = TimeSpan.FromSeconds(10) };
        var calls = 0;
        ValueTask<int> Factory(CacheFactoryContext c, CancellationToken t) => ValueTask.FromResult(++calls);

        (await cache.GetOrCreateAsync("k", Factory, options, Ct)).Should().Be(1);
        time.Advance(TimeSpan.FromSeconds(9.999));
        (await cache.GetOrCreateAsync("k", Factory, options, Ct)).Should().Be(1);
        time.Advance(TimeSpan.FromMilliseconds(1));
        (await cache.GetOrCreateAsync("k", Factory, options, Ct)).Should().Be(2);
    }

    [Fact]
    public async Task Jitter_SpreadsExpiriesOverTheJitterWindow()
    {
        var time = new FakeTimeProvider();
        using var cache = NewCache(time);
        var options = new CacheEntryOptions { Duration = TimeSpan.FromSeconds(10), Jitter = TimeSpan.FromSeconds(10) };
        for (var i = 0; i < 100; i++)
        {
            await cache.SetAsync($"k{i}", i, options, Ct);
        }

        time.Advance(TimeSpan.FromSeconds(9.999));
        var freshBefore10 = Enumerable.Range(0, 100).Count(i => cache.TryGet<int>($"k{i}", out _));
        time.Advance(TimeSpan.FromSeconds(5.001));
        var freshAt15 = Enumerable.Range(0, 100).Count(i => cache.TryGet<int>($"k{i}", out _));
        time.Advance(TimeSpan.FromSeconds(5.001));
        var freshAt20 = Enumerable.Range(0, 100).Count(i => cache.TryGet<int>($"k{i}", out _));

        freshBefore10.Should().Be(100, "jitter only adds time");
        freshAt15.Should().BeInRange(10, 90, "jitter spreads expiries evenly between 10 s and 20 s");
        freshAt20.Should().Be(0);
    }

    [Fact]
    public async Task Factory_SetsDurationAndTags_AndCanDeclineCaching()
    {
        var time = new FakeTimeProvider();
        using var cache = NewCache(time);

        await cache.GetOrCreateAsync("token", (c, _) =>
        {
            c.Duration = TimeSpan.FromSeconds(30);
            c.Tags = ["auth"];
            return ValueTask.FromResult("abc");
        }, cancellationToken: Ct);
        var notCached = await cache.GetOrCreateAsync("error", (c, _) =>
        {
            c.DoNotCache();
            return ValueTask.FromResult("503");
        }, cancellationToken: Ct);

        notCached.Should().Be("503");
        cache.TryGet<string>("error", out _).Should().BeFalse();
        time.Advance(TimeSpan.FromSeconds(29));
        cache.TryGet<string>("token", out _).Should().BeTrue();
        await cache.RemoveByTagAsync("auth", Ct);
        cache.TryGet<string>("token", out _).Should().BeFalse();
    }

    [Fact]
    public async Task RemoveByTag_RemovesOnlyEntriesWithTheTag()
    {
        using var cache = NewCache(new FakeTimeProvider());
        await cache.SetAsync("p1", 1, new CacheEntryOptions { Tags = ["products", "p"] }, Ct);
        await cache.SetAsync("p2", 2, new CacheEntryOptions { Tags = ["products"] }, Ct);
        await cache.SetAsync("u1", 3, new CacheEntryOptions { Tags = ["users"] }, Ct);

        await cache.RemoveByTagAsync("products", Ct);

        cache.TryGet<int>("p1", out _).Should().BeFalse();
        cache.TryGet<int>("p2", out _).Should().BeFalse();
        cache.TryGet<int>("u1", out var u1).Should().BeTrue();
        u1.Should().Be(3);
    }

    [Fact]
    public async Task FailSafe_ServesTheStaleValue_ThrottlesRetries_ThenRecovers()
    {
        var time = new FakeTimeProvider();
        using var cache = NewCache(time);
        var options = new CacheEntryOptions
        {
            Duration = TimeSpan.FromSeconds(10),
            FailSafeMaxStaleness = TimeSpan.FromHours(1),
            FailSafeThrottle = TimeSpan.FromSeconds(30),
        };
        var calls = 0;
        var failing = false;
        ValueTask<string> Factory(CacheFactoryContext c, CancellationToken t)
        {
            calls++;
            return failing ? throw new HttpRequestException("backend down") : ValueTask.FromResult($"v{calls}");
        }

        await cache.GetOrCreateAsync("k", Factory, options, Ct);
        failing = true;
        time.Advance(TimeSpan.FromSeconds(11));

        (await cache.GetOrCreateAsync("k", Factory, options, Ct)).Should().Be("v1", "fail-safe serves the stale value");
        calls.Should().Be(2);
        time.Advance(TimeSpan.FromSeconds(10));
        (await cache.GetOrCreateAsync("k", Factory, options, Ct)).Should().Be("v1");
        calls.Should().Be(2, "within the throttle the factory is not called again");
        failing = false;
        time.Advance(TimeSpan.FromSeconds(21));
        (await cache.GetOrCreateAsync("k", Factory, options, Ct)).Should().Be("v3");
    }

    [Fact]
    public async Task FactoryException_WithoutFailSafe_ReachesTheCaller_AndIsNeverCached()
    {
        using var cache = NewCache(new FakeTimeProvider());
        var calls = 0;

        var act = async () => await cache.GetOrCreateAsync<int>("k", (_, _) => { calls++; throw new InvalidDataException("bad"); }, cancellationToken: Ct);

        await act.Should().ThrowAsync<InvalidDataException>();
        await act.Should().ThrowAsync<InvalidDataException>();
        calls.Should().Be(2);
        cache.Count.Should().Be(0);
    }

    [Fact]
    public async Task FailSafe_PastTheMaximumStaleness_ThrowsTheFactoryException()
    {
        var time = new FakeTimeProvider();
        using var cache = NewCache(time);
        var options = new CacheEntryOptions { Duration = TimeSpan.FromSeconds(10), FailSafeMaxStaleness = TimeSpan.FromSeconds(60) };
        await cache.GetOrCreateAsync("k", (_, _) => ValueTask.FromResult(1), options, Ct);
        time.Advance(TimeSpan.FromSeconds(71));

        var act = async () => await cache.GetOrCreateAsync<int>("k", (_, _) => throw new TimeoutException("slow"), options, Ct);

        await act.Should().ThrowAsync<TimeoutException>().WithMessage("slow");
    }

    [Fact]
    public async Task SoftTimeout_AnswersWithStale_AndTheFactoryFinishesInTheBackground()
    {
        var time = new FakeTimeProvider();
        using var cache = NewCache(time);
        var options = new CacheEntryOptions
        {
            Duration = TimeSpan.FromSeconds(10),
            FailSafeMaxStaleness = TimeSpan.FromHours(1),
            FactorySoftTimeout = TimeSpan.FromMilliseconds(100),
        };
        await cache.GetOrCreateAsync("k", (_, _) => ValueTask.FromResult("old"), options, Ct);
        time.Advance(TimeSpan.FromSeconds(11));
        var slow = new TaskCompletionSource<string>(); // continuations inline: SetResult stores the late value before it returns
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var answer = cache.GetOrCreateAsync("k", (_, _) => { started.TrySetResult(); return new ValueTask<string>(slow.Task); }, options, Ct).AsTask();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        time.Advance(TimeSpan.FromMilliseconds(100));

        (await answer.WaitAsync(TimeSpan.FromSeconds(30), Ct)).Should().Be("old");
        slow.SetResult("new");
        cache.TryGet<string>("k", out var refreshed).Should().BeTrue();
        refreshed.Should().Be("new");
    }

    [Fact]
    public async Task HardTimeout_WithoutStale_ThrowsATypedTimeout_AndTheLateResultIsStillCached()
    {
        var time = new FakeTimeProvider();
        using var cache = NewCache(time);
        var options = new CacheEntryOptions { FactoryHardTimeout = TimeSpan.FromSeconds(2) };
        var slow = new TaskCompletionSource<int>(); // continuations inline: SetResult stores the late value before it returns
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var call = cache.GetOrCreateAsync("k", (_, _) => { started.TrySetResult(); return new ValueTask<int>(slow.Task); }, options, Ct).AsTask();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        time.Advance(TimeSpan.FromSeconds(2));

        await call.Invoking(c => c.WaitAsync(TimeSpan.FromSeconds(30), Ct)).Should().ThrowAsync<CacheFactoryTimeoutException>().WithMessage("*FactoryHardTimeout*");
        slow.SetResult(42);
        cache.TryGet<int>("k", out var late).Should().BeTrue();
        late.Should().Be(42);
    }

    [Fact]
    public async Task EagerRefresh_AfterTheThreshold_RefreshesInTheBackground_WhileCallersGetTheCurrentValue()
    {
        var time = new FakeTimeProvider();
        using var cache = NewCache(time);
        var options = new CacheEntryOptions { Duration = TimeSpan.FromSeconds(10), EagerRefreshThreshold = 0.8 };
        var calls = 0;
        var refreshed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ValueTask<int> Factory(CacheFactoryContext c, CancellationToken t)
        {
            if (++calls == 2)
            {
                refreshed.TrySetResult();
            }

            return ValueTask.FromResult(calls);
        }

        await cache.GetOrCreateAsync("k", Factory, options, Ct);
        time.Advance(TimeSpan.FromSeconds(7));
        (await cache.GetOrCreateAsync("k", Factory, options, Ct)).Should().Be(1);
        calls.Should().Be(1, "before the threshold nothing is refreshed");
        time.Advance(TimeSpan.FromSeconds(1.5));
        (await cache.GetOrCreateAsync("k", Factory, options, Ct)).Should().Be(1, "the caller is not made to wait for the refresh");
        await refreshed.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        cache.TryGet<int>("k", out var now).Should().BeTrue();
        now.Should().Be(2);
        time.Advance(TimeSpan.FromSeconds(5));
        cache.TryGet<int>("k", out var later).Should().BeTrue("the refreshed entry has a new duration");
        later.Should().Be(2);
    }

    [Fact]
    public async Task EagerRefresh_WithAFactoryThatBlocksItsThread_DoesNotHoldUpTheCallerOfTheHit()
    {
        var time = new FakeTimeProvider();
        using var cache = NewCache(time);
        var options = new CacheEntryOptions { Duration = TimeSpan.FromSeconds(10), EagerRefreshThreshold = 0.5 };
        using var release = new ManualResetEventSlim();
        var calls = 0;
        var refreshing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ValueTask<int> Factory(CacheFactoryContext c, CancellationToken t)
        {
            if (Interlocked.Increment(ref calls) == 2)
            {
                refreshing.TrySetResult();
                release.Wait(TimeSpan.FromSeconds(30), Ct); // a synchronous factory that blocks until the test lets it go
            }

            return ValueTask.FromResult(calls);
        }

        await cache.GetOrCreateAsync("k", Factory, options, Ct);
        time.Advance(TimeSpan.FromSeconds(6));

        // Inline, this call would block until `release` is set, which only happens after it returned: the test would hang.
        var hit = Task.Run(() => cache.GetOrCreateAsync("k", Factory, options, Ct).AsTask(), Ct);
        (await hit.WaitAsync(TimeSpan.FromSeconds(20), Ct)).Should().Be(1, "the caller gets the current value while the refresh runs elsewhere");
        await refreshing.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct);
        release.Set();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task BadKeys_AreRejected(string? key)
    {
        using var cache = NewCache(new FakeTimeProvider());

        var act = async () => await cache.GetOrCreateAsync(key!, (_, _) => ValueTask.FromResult(1), cancellationToken: Ct);

        await act.Should().ThrowAsync<ArgumentException>().WithParameterName("key");
        cache.Invoking(c => c.TryGet<int>(key!, out _)).Should().Throw<ArgumentException>();
    }

    [Fact]
    public async Task NegativeDuration_IsRejectedNamingTheOption()
    {
        using var cache = NewCache(new FakeTimeProvider());

        var act = async () => await cache.SetAsync("k", 1, new CacheEntryOptions { Duration = TimeSpan.FromSeconds(-1) }, Ct);

        await act.Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage("*CacheEntryOptions.Duration*");
    }

    [Fact]
    public async Task OversizedEntry_IsRefusedWithATypedError()
    {
        using var cache = NewCache(new FakeTimeProvider(), configure: o => o.MaximumEntrySize = 100);

        var set = async () => await cache.SetAsync("k", 1, new CacheEntryOptions { Size = 101 }, Ct);
        var fromFactory = async () => await cache.GetOrCreateAsync("k", (c, _) => { c.Size = 500; return ValueTask.FromResult(1); }, cancellationToken: Ct);

        await set.Should().ThrowAsync<CacheEntryTooLargeException>().WithMessage("*MaximumEntrySize*");
        await fromFactory.Should().ThrowAsync<CacheEntryTooLargeException>();
    }

    [Fact]
    public void BadCacheOptions_FailNamingTheOption()
    {
        var act = () => new PerfKitCache(new PerfKitCacheOptions { MaximumEntries = 0, DistributedCacheTimeout = TimeSpan.Zero });

        act.Should().Throw<OptionsValidationException>()
            .Which.Failures.Should().Contain(f => f.Contains("MaximumEntries", StringComparison.Ordinal))
            .And.Contain(f => f.Contains("DistributedCacheTimeout", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ValueTypes_NullsAndTypeMismatches_AreHandled()
    {
        using var cache = NewCache(new FakeTimeProvider());
        await cache.SetAsync<string?>("null", null, cancellationToken: Ct);
        await cache.SetAsync("int", 5, cancellationToken: Ct);

        cache.TryGet<string?>("null", out var nothing).Should().BeTrue();
        nothing.Should().BeNull();
        cache.TryGet<string>("int", out _).Should().BeFalse("a value of another type is not returned");
        cache.TryGet<int>("int", out var five).Should().BeTrue();
        five.Should().Be(5);
    }
}
