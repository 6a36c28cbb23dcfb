using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using static PerfKit.Caching.Tests.Hybrid.HybridCacheNodes;

namespace PerfKit.Caching.Tests.Hybrid;

/// <summary>
/// The same scenarios against Microsoft's DefaultHybridCache and PerfKitHybridCache. Where the two differ, the test says
/// so in its name and asserts each side's documented behaviour (the README lists the differences).
/// </summary>
public sealed class HybridCacheParityTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    private static readonly HybridCacheEntryOptions NoL2Write = new() { Flags = HybridCacheEntryFlags.DisableDistributedCacheWrite };
    private static readonly HybridCacheEntryOptions NoL2Read = new() { Flags = HybridCacheEntryFlags.DisableDistributedCacheRead };

    [Theory]
    [InlineData(HybridImpl.Microsoft)]
    [InlineData(HybridImpl.PerfKit)]
    public async Task GetOrCreate_ManyConcurrentCallersOnOneKey_CallTheFactoryOnce(HybridImpl impl)
    {
        await using var node = Node(impl, new SharedL2());
        var cache = node.Cache();
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        var callers = Enumerable.Range(0, 64).Select(_ => Task.Run(() => cache.GetOrCreateAsync("hot", release, async (r, ct) =>
        {
            Interlocked.Increment(ref calls);
            return await r.Task.WaitAsync(ct);
        }, cancellationToken: Ct).AsTask(), Ct)).ToArray();

        await CacheTestHelpers.WaitUntilAsync(() => Volatile.Read(ref calls) > 0);
        release.SetResult(42);

        (await Task.WhenAll(callers)).Should().AllBeEquivalentTo(42);
        calls.Should().Be(1);
        (await cache.GetOrCreateAsync("hot", _ => ValueTask.FromResult(-1), cancellationToken: Ct)).Should().Be(42, "later calls are hits");
    }

    [Theory]
    [InlineData(HybridImpl.Microsoft)]
    [InlineData(HybridImpl.PerfKit)]
    public async Task SetAsync_ThenGetOrCreate_ReturnsTheSetValue_AndRemoveAsyncDropsIt(HybridImpl impl)
    {
        await using var node = Node(impl, new SharedL2());
        var cache = node.Cache();
        await cache.SetAsync("k", "set", cancellationToken: Ct);
        (await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("factory"), cancellationToken: Ct)).Should().Be("set");

        await cache.RemoveAsync("k", Ct);
        (await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("factory"), cancellationToken: Ct)).Should().Be("factory");
    }

    [Theory]
    [InlineData(HybridImpl.Microsoft)]
    [InlineData(HybridImpl.PerfKit)]
    public async Task RemoveAsync_ManyKeys_RemovesEach_AndNullIsEmpty(HybridImpl impl)
    {
        await using var node = Node(impl, new SharedL2());
        var cache = node.Cache();
        foreach (var key in new[] { "a", "b", "c" })
        {
            await cache.SetAsync(key, key, cancellationToken: Ct);
        }

        await cache.RemoveAsync(["a", "b"], Ct);
        await cache.RemoveAsync((IEnumerable<string>)null!, Ct);

        (await cache.GetOrCreateAsync("a", _ => ValueTask.FromResult("new"), cancellationToken: Ct)).Should().Be("new");
        (await cache.GetOrCreateAsync("b", _ => ValueTask.FromResult("new"), cancellationToken: Ct)).Should().Be("new");
        (await cache.GetOrCreateAsync("c", _ => ValueTask.FromResult("new"), cancellationToken: Ct)).Should().Be("c");
    }

    [Theory]
    [InlineData(HybridImpl.Microsoft)]
    [InlineData(HybridImpl.PerfKit)]
    public async Task GetOrCreate_WithState_PassesTheStateToTheFactory(HybridImpl impl)
    {
        await using var node = Node(impl);
        var value = await node.Cache().GetOrCreateAsync("s", (Prefix: "id-", Id: 7), static (s, _) => ValueTask.FromResult(s.Prefix + s.Id), cancellationToken: Ct);
        value.Should().Be("id-7");
    }

    [Theory]
    [InlineData(HybridImpl.Microsoft)]
    [InlineData(HybridImpl.PerfKit)]
    public async Task RemoveByTag_InvalidatesTaggedEntriesInL1_AndForANodeReadingL2(HybridImpl impl)
    {
        var l2 = new SharedL2();
        await using var one = Node(impl, l2);
        await using var two = Node(impl, l2);
        await one.Cache().GetOrCreateAsync("p:1", _ => ValueTask.FromResult("lamp v1"), tags: ["products"], cancellationToken: Ct);
        await one.Cache().GetOrCreateAsync("u:1", _ => ValueTask.FromResult("ada v1"), tags: ["users"], cancellationToken: Ct);
        (await two.Cache().GetOrCreateAsync("p:1", _ => ValueTask.FromResult("wrong"), cancellationToken: Ct)).Should().Be("lamp v1", "node two reads node one's value from L2");

        await one.Cache().RemoveByTagAsync("products", Ct);

        (await one.Cache().GetOrCreateAsync("p:1", _ => ValueTask.FromResult("lamp v2"), tags: ["products"], cancellationToken: Ct)).Should().Be("lamp v2", "L1 of the node that removed the tag");
        (await one.Cache().GetOrCreateAsync("u:1", _ => ValueTask.FromResult("wrong"), tags: ["users"], cancellationToken: Ct)).Should().Be("ada v1", "another tag is untouched");

        // A third node, with an empty L1, finds the tag's invalidation through L2 and does not serve the old value.
        await using var three = Node(impl, l2);
        (await three.Cache().GetOrCreateAsync("p:1", _ => ValueTask.FromResult("lamp v3"), tags: ["products"], cancellationToken: Ct)).Should().NotBe("lamp v1");
    }

    [Theory]
    [InlineData(HybridImpl.Microsoft)]
    [InlineData(HybridImpl.PerfKit)]
    public async Task RemoveByTag_ManyTags_RemovesEach(HybridImpl impl)
    {
        await using var node = Node(impl);
        var cache = node.Cache();
        await cache.SetAsync("a", "a1", tags: ["ta"], cancellationToken: Ct);
        await cache.SetAsync("b", "b1", tags: ["tb"], cancellationToken: Ct);
        await cache.SetAsync("c", "c1", tags: ["tc"], cancellationToken: Ct);

        await cache.RemoveByTagAsync(["ta", "tb"], Ct);
        await cache.RemoveByTagAsync((IEnumerable<string>)null!, Ct);

        (await cache.GetOrCreateAsync("a", _ => ValueTask.FromResult("a2"), cancellationToken: Ct)).Should().Be("a2");
        (await cache.GetOrCreateAsync("b", _ => ValueTask.FromResult("b2"), cancellationToken: Ct)).Should().Be("b2");
        (await cache.GetOrCreateAsync("c", _ => ValueTask.FromResult("c2"), cancellationToken: Ct)).Should().Be("c1");
    }

    [Theory]
    [InlineData(HybridImpl.Microsoft)]
    [InlineData(HybridImpl.PerfKit)]
    public async Task DisableUnderlyingData_OnAMiss_ReturnsDefault_WithoutCallingTheFactory(HybridImpl impl)
    {
        await using var node = Node(impl, new SharedL2());
        var cache = node.Cache();
        var calls = 0;
        var options = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableUnderlyingData };

        var value = await cache.GetOrCreateAsync("absent", _ => { calls++; return ValueTask.FromResult("x"); }, options, cancellationToken: Ct);

        value.Should().BeNull();
        calls.Should().Be(0);
        (await cache.GetOrCreateAsync("absent", _ => ValueTask.FromResult("loaded"), cancellationToken: Ct)).Should().Be("loaded", "nothing was cached for the key");
        (await cache.GetOrCreateAsync("absent", _ => ValueTask.FromResult("wrong"), options, cancellationToken: Ct)).Should().Be("loaded", "a cached value is still returned");
    }

    [Theory]
    [InlineData(HybridImpl.Microsoft)]
    [InlineData(HybridImpl.PerfKit)]
    public async Task DisableDistributedCacheWrite_KeepsTheValueOutOfL2(HybridImpl impl)
    {
        var l2 = new SharedL2();
        await using var one = Node(impl, l2);
        await using var two = Node(impl, l2);
        await one.Cache().GetOrCreateAsync("k", _ => ValueTask.FromResult("one"), NoL2Write, cancellationToken: Ct);

        l2.Writes.Should().Be(0);
        (await two.Cache().GetOrCreateAsync("k", _ => ValueTask.FromResult("two"), cancellationToken: Ct)).Should().Be("two");
        (await one.Cache().GetOrCreateAsync("k", _ => ValueTask.FromResult("wrong"), NoL2Write, cancellationToken: Ct)).Should().Be("one", "L1 still has it");
    }

    [Theory]
    [InlineData(HybridImpl.Microsoft)]
    [InlineData(HybridImpl.PerfKit)]
    public async Task DisableDistributedCacheRead_IgnoresAValueInL2(HybridImpl impl)
    {
        var l2 = new SharedL2();
        await using var one = Node(impl, l2);
        await using var two = Node(impl, l2);
        await one.Cache().GetOrCreateAsync("k", _ => ValueTask.FromResult("one"), cancellationToken: Ct);

        (await two.Cache().GetOrCreateAsync("k", _ => ValueTask.FromResult("two"), NoL2Read, cancellationToken: Ct)).Should().Be("two");
    }

    [Theory]
    [InlineData(HybridImpl.Microsoft)]
    [InlineData(HybridImpl.PerfKit)]
    public async Task Difference_DisableDistributedCacheWriteAlone_MicrosoftStillReadsL2_PerfKitSkipsL2BothWays(HybridImpl impl)
    {
        var l2 = new SharedL2();
        await using var one = Node(impl, l2);
        await using var two = Node(impl, l2);
        await one.Cache().GetOrCreateAsync("k", _ => ValueTask.FromResult("one"), cancellationToken: Ct);

        var value = await two.Cache().GetOrCreateAsync("k", _ => ValueTask.FromResult("two"), NoL2Write, cancellationToken: Ct);

        value.Should().Be(impl == HybridImpl.Microsoft ? "one" : "two");
    }

    [Theory]
    [InlineData(HybridImpl.Microsoft)]
    [InlineData(HybridImpl.PerfKit)]
    public async Task Difference_DisableDistributedCacheReadAlone_MicrosoftStillWritesL2_PerfKitSkipsL2BothWays(HybridImpl impl)
    {
        var l2 = new SharedL2();
        await using var one = Node(impl, l2);
        await one.Cache().GetOrCreateAsync("k", _ => ValueTask.FromResult("one"), NoL2Read, cancellationToken: Ct);

        if (impl == HybridImpl.Microsoft)
        {
            l2.Writes.Should().BeGreaterThan(0);
        }
        else
        {
            l2.Writes.Should().Be(0);
        }
    }

    [Theory]
    [InlineData(HybridImpl.Microsoft)]
    [InlineData(HybridImpl.PerfKit)]
    public async Task DisableLocalAndDistributedCache_RunsTheFactoryEveryTime_AndSetIsANoOp(HybridImpl impl)
    {
        var l2 = new SharedL2();
        await using var node = Node(impl, l2);
        var cache = node.Cache();
        var none = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableLocalCache | HybridCacheEntryFlags.DisableDistributedCache };
        var calls = 0;

        for (var i = 0; i < 3; i++)
        {
            await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(++calls), none, cancellationToken: Ct);
        }

        await cache.SetAsync("k", 100, none, cancellationToken: Ct);

        calls.Should().Be(3);
        l2.Writes.Should().Be(0);
        (await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(-1), cancellationToken: Ct)).Should().Be(-1, "nothing was stored");
    }

    [Theory]
    [InlineData(HybridImpl.Microsoft)]
    [InlineData(HybridImpl.PerfKit)]
    public async Task Difference_DisableLocalCacheReadAlone_MicrosoftSkipsL1_PerfKitThrowsNotSupportedNamingTheFlag(HybridImpl impl)
    {
        await using var node = Node(impl, new SharedL2());
        var cache = node.Cache();
        await cache.SetAsync("k", "cached", cancellationToken: Ct);
        var noL1Read = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableLocalCacheRead | HybridCacheEntryFlags.DisableDistributedCacheRead };

        var call = async () => await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("factory"), noL1Read, cancellationToken: Ct);

        if (impl == HybridImpl.Microsoft)
        {
            (await call()).Should().Be("factory");
        }
        else
        {
            (await call.Should().ThrowAsync<NotSupportedException>()).Which.Message.Should().Contain("DisableLocalCacheRead");
        }
    }

    [Theory]
    [InlineData(HybridImpl.Microsoft)]
    [InlineData(HybridImpl.PerfKit)]
    public async Task Difference_DisableLocalCacheWriteAlone_MicrosoftKeepsItOutOfL1_PerfKitThrowsNotSupportedNamingTheFlag(HybridImpl impl)
    {
        var l2 = new SharedL2();
        await using var node = Node(impl, l2);
        var cache = node.Cache();
        var noL1Write = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableLocalCacheWrite };

        var call = async () => await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("factory"), noL1Write, cancellationToken: Ct);

        if (impl == HybridImpl.Microsoft)
        {
            (await call()).Should().Be("factory");
            l2.Writes.Should().BeGreaterThan(0, "the value still goes to L2");
        }
        else
        {
            (await call.Should().ThrowAsync<NotSupportedException>()).Which.Message.Should().Contain("DisableLocalCacheWrite");
        }
    }

    [Theory]
    [InlineData(HybridImpl.Microsoft)]
    [InlineData(HybridImpl.PerfKit)]
    public async Task DisableCompression_ChangesNothingVisible_TheValueRoundTripsThroughL2(HybridImpl impl)
    {
        var l2 = new SharedL2();
        await using var one = Node(impl, l2);
        await using var two = Node(impl, l2);
        var options = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableCompression };
        var text = new string('a', 10_000);
        await one.Cache().GetOrCreateAsync("k", _ => ValueTask.FromResult(text), options, cancellationToken: Ct);

        (await two.Cache().GetOrCreateAsync("k", _ => ValueTask.FromResult("wrong"), options, cancellationToken: Ct)).Should().Be(text);
    }

    [Theory]
    [InlineData(HybridImpl.Microsoft)]
    [InlineData(HybridImpl.PerfKit)]
    public async Task MutableType_EachCallerGetsItsOwnCopy_ImmutableType_TheSameInstance(HybridImpl impl)
    {
        await using var node = Node(impl);
        var cache = node.Cache();
        var first = await cache.GetOrCreateAsync("w", _ => ValueTask.FromResult(new Widget { Id = 1, Name = "lamp" }), cancellationToken: Ct);
        first.Name = "changed by a caller";
        var second = await cache.GetOrCreateAsync("w", _ => ValueTask.FromResult(new Widget()), cancellationToken: Ct);

        second.Should().NotBeSameAs(first);
        second.Name.Should().Be("lamp");

        var frozen1 = await cache.GetOrCreateAsync("f", _ => ValueTask.FromResult(new FrozenWidget(1, "lamp")), cancellationToken: Ct);
        var frozen2 = await cache.GetOrCreateAsync("f", _ => ValueTask.FromResult(new FrozenWidget(2, "wrong")), cancellationToken: Ct);
        frozen2.Should().BeSameAs(frozen1);
    }

    [Theory]
    [InlineData(HybridImpl.Microsoft)]
    [InlineData(HybridImpl.PerfKit)]
    public async Task RegisteredSerializer_IsUsedForL2Payloads(HybridImpl impl)
    {
        var l2 = new SharedL2();
        var serializer = new WidgetSerializer();
        void Register(IServiceCollection services) => services.AddSingleton<IHybridCacheSerializer<Widget>>(serializer);
        await using var one = Node(impl, l2, Register);
        await using var two = Node(impl, l2, Register);

        await one.Cache().GetOrCreateAsync("w", _ => ValueTask.FromResult(new Widget { Id = 7, Name = "lamp" }), cancellationToken: Ct);
        var read = await two.Cache().GetOrCreateAsync("w", _ => ValueTask.FromResult(new Widget()), cancellationToken: Ct);

        read.Name.Should().Be("lamp");
        serializer.Serialized.Should().BeGreaterThan(0);
        serializer.Deserialized.Should().BeGreaterThan(0);
    }

    [Theory]
    [InlineData(HybridImpl.Microsoft)]
    [InlineData(HybridImpl.PerfKit)]
    public async Task RegisteredSerializerFactory_IsUsedForTheTypesItAccepts(HybridImpl impl)
    {
        var l2 = new SharedL2();
        var serializer = new WidgetSerializer();
        void Register(IServiceCollection services) => services.AddSingleton<IHybridCacheSerializerFactory>(new WidgetSerializerFactory(serializer));
        await using var one = Node(impl, l2, Register);
        await using var two = Node(impl, l2, Register);

        await one.Cache().GetOrCreateAsync("w", _ => ValueTask.FromResult(new Widget { Id = 7, Name = "lamp" }), cancellationToken: Ct);
        await one.Cache().GetOrCreateAsync("f", _ => ValueTask.FromResult(new FrozenWidget(1, "other type")), cancellationToken: Ct);
        var read = await two.Cache().GetOrCreateAsync("w", _ => ValueTask.FromResult(new Widget()), cancellationToken: Ct);
        var frozen = await two.Cache().GetOrCreateAsync("f", _ => ValueTask.FromResult(new FrozenWidget(0, "wrong")), cancellationToken: Ct);

        read.Name.Should().Be("lamp");
        frozen.Name.Should().Be("other type", "types the factory declines use the default serializer");
        serializer.Serialized.Should().BeGreaterThan(0);
        serializer.Deserialized.Should().BeGreaterThan(0);
    }

    [Theory]
    [InlineData(HybridImpl.Microsoft)]
    [InlineData(HybridImpl.PerfKit)]
    public async Task KeyLongerThanTheLimit_IsNotCached_TheFactoryRunsEachTime(HybridImpl impl)
    {
        var l2 = new SharedL2();
        await using var node = Node(impl, l2);
        var cache = node.Cache();
        var key = new string('k', 2000);
        var calls = 0;

        for (var i = 0; i < 2; i++)
        {
            (await cache.GetOrCreateAsync(key, _ => ValueTask.FromResult(++calls), cancellationToken: Ct)).Should().Be(i + 1);
        }

        l2.Writes.Should().Be(0);
    }

    [Theory]
    [InlineData(HybridImpl.Microsoft)]
    [InlineData(HybridImpl.PerfKit)]
    public async Task Difference_PayloadOverOneMebibyte_MicrosoftKeepsItOutOfL2_PerfKitStoresIt(HybridImpl impl)
    {
        var l2 = new SharedL2();
        await using var node = Node(impl, l2);
        var big = new string('x', 2 * 1024 * 1024);

        (await node.Cache().GetOrCreateAsync("big", _ => ValueTask.FromResult(big), cancellationToken: Ct)).Should().Be(big);

        if (impl == HybridImpl.Microsoft)
        {
            l2.Writes.Should().Be(0, "HybridCacheOptions.MaximumPayloadBytes is 1 MiB by default");
        }
        else
        {
            l2.Writes.Should().Be(1, "PerfKit has no payload limit of its own over IDistributedCache (PerfKit.Caching.Redis has MaximumPayloadBytes)");
        }
    }

    [Theory]
    [InlineData(HybridImpl.Microsoft)]
    [InlineData(HybridImpl.PerfKit)]
    public async Task Cancellation_OfOneWaiter_EndsOnlyItsWait_TheLoadGoesOnForTheOthers(HybridImpl impl)
    {
        await using var node = Node(impl);
        var cache = node.Cache();
        var release = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = cache.GetOrCreateAsync("k", async ct =>
        {
            started.TrySetResult();
            return await release.Task;
        }, cancellationToken: Ct).AsTask();
        await started.Task.WaitAsync(Ct);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var second = cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("second factory"), cancellationToken: cancel.Token).AsTask();

        await cancel.CancelAsync();
        await second.Invoking(t => t).Should().ThrowAsync<OperationCanceledException>();
        release.SetResult("value");

        (await first).Should().Be("value");
        (await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("wrong"), cancellationToken: Ct)).Should().Be("value");
    }

    [Theory]
    [InlineData(HybridImpl.Microsoft)]
    [InlineData(HybridImpl.PerfKit)]
    public async Task FactoryException_ReachesTheCaller_AndIsNotCached(HybridImpl impl)
    {
        await using var node = Node(impl);
        var cache = node.Cache();

        var failing = async () => await cache.GetOrCreateAsync<string>("k", _ => throw new InvalidOperationException("backend down"), cancellationToken: Ct);

        await failing.Should().ThrowAsync<InvalidOperationException>();
        (await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("ok"), cancellationToken: Ct)).Should().Be("ok");
    }

    [Theory]
    [InlineData(HybridImpl.Microsoft)]
    [InlineData(HybridImpl.PerfKit)]
    public async Task Difference_RemoveByTagWildcard_MicrosoftInvalidatesEverything_PerfKitThrowsNotSupported(HybridImpl impl)
    {
        await using var node = Node(impl);
        var cache = node.Cache();
        await cache.SetAsync("a", "a1", tags: ["ta"], cancellationToken: Ct);
        await cache.SetAsync("b", "b1", cancellationToken: Ct);

        var call = async () => await cache.RemoveByTagAsync("*", Ct);

        if (impl == HybridImpl.Microsoft)
        {
            await call();
            (await cache.GetOrCreateAsync("a", _ => ValueTask.FromResult("a2"), cancellationToken: Ct)).Should().Be("a2");
            (await cache.GetOrCreateAsync("b", _ => ValueTask.FromResult("b2"), cancellationToken: Ct)).Should().Be("b2");
        }
        else
        {
            await call.Should().ThrowAsync<NotSupportedException>();
        }
    }

    [Theory]
    [InlineData(HybridImpl.Microsoft)]
    [InlineData(HybridImpl.PerfKit)]
    public async Task Difference_MutableValueChangedAfterSet_MicrosoftKeepsWhatWasSet_PerfKitCopiesTheChangedObject(HybridImpl impl)
    {
        await using var node = Node(impl);
        var cache = node.Cache();
        var widget = new Widget { Id = 1, Name = "lamp" };
        await cache.SetAsync("w", widget, cancellationToken: Ct);

        widget.Name = "changed after SetAsync";
        var read = await cache.GetOrCreateAsync("w", _ => ValueTask.FromResult(new Widget()), cancellationToken: Ct);

        read.Should().NotBeSameAs(widget);
        read.Name.Should().Be(impl == HybridImpl.Microsoft ? "lamp" : "changed after SetAsync");
    }
}
