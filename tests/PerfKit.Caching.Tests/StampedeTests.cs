using Microsoft.Extensions.Time.Testing;
using static PerfKit.Caching.Tests.CacheTestHelpers;

namespace PerfKit.Caching.Tests;

public sealed class StampedeTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task AThousandConcurrentCallers_OnAColdKey_CallTheFactoryOnce()
    {
        using var cache = NewCache(new FakeTimeProvider());
        var calls = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        using var joined = new CountdownEvent(1000);
        var callers = Enumerable.Range(0, 1000).Select(_ => Task.Run(() =>
        {
            // GetOrCreateAsync joins (or starts) the load before it returns its task: signal after it returns.
            var call = cache.GetOrCreateAsync("cold", async (_, _) =>
            {
                Interlocked.Increment(ref calls);
                await gate.Task;
                return new object();
            }, cancellationToken: Ct).AsTask();
            joined.Signal();
            return call;
        }, Ct)).ToArray();
        (await Task.Run(() => joined.Wait(TimeSpan.FromMinutes(1), Ct), Ct)).Should().BeTrue();
        gate.SetResult();
        var results = await Task.WhenAll(callers);

        calls.Should().Be(1);
        results.Distinct().Should().ContainSingle("every waiter gets the same value");
    }

    [Fact]
    public async Task Waiters_GetTheSameException()
    {
        using var cache = NewCache(new FakeTimeProvider());
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var failure = new InvalidOperationException("one failure");

        var callers = Enumerable.Range(0, 50).Select(_ => cache.GetOrCreateAsync<int>("k", async (_, _) =>
        {
            await gate.Task;
            throw failure;
        }, cancellationToken: Ct).AsTask()).ToArray();
        gate.SetResult();

        foreach (var caller in callers)
        {
            (await caller.Invoking(c => c).Should().ThrowAsync<InvalidOperationException>()).Which.Should().BeSameAs(failure);
        }
    }

    [Fact]
    public async Task OneWaitersCancellation_DoesNotCancelTheSharedCall()
    {
        using var cache = NewCache(new FakeTimeProvider());
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        CancellationToken factoryToken = default;
        using var impatient = new CancellationTokenSource();

        var first = cache.GetOrCreateAsync("k", async (_, ct) =>
        {
            factoryToken = ct;
            await gate.Task;
            return 7;
        }, cancellationToken: impatient.Token).AsTask();
        var second = cache.GetOrCreateAsync("k", (_, _) => ValueTask.FromResult(-1), cancellationToken: Ct).AsTask();
        await impatient.CancelAsync();
        gate.SetResult();

        await first.Invoking(f => f).Should().ThrowAsync<OperationCanceledException>();
        (await second).Should().Be(7);
        factoryToken.IsCancellationRequested.Should().BeFalse();
        cache.TryGet<int>("k", out var stored).Should().BeTrue();
        stored.Should().Be(7);
    }

    [Fact]
    public async Task Soak_RandomOperationsOnManyThreads_KeepTheInvariants()
    {
        var time = new FakeTimeProvider();
        using var cache = NewCache(time, configure: o => o.MaximumEntries = 200);
        var options = new CacheEntryOptions { Duration = TimeSpan.FromSeconds(5), FailSafeMaxStaleness = TimeSpan.FromSeconds(5), Tags = ["all"] };
        var wrong = 0;
        var overfull = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            var random = new Random(t);
            for (var i = 0; i < 5000; i++)
            {
                var key = "k" + random.Next(400);
                switch (random.Next(10))
                {
                    case 0:
                        await cache.RemoveAsync(key, Ct);
                        break;
                    case 1:
                        await cache.SetAsync(key, key.Length, options, Ct);
                        break;
                    case 2 when t == 0:
                        time.Advance(TimeSpan.FromMilliseconds(50));
                        break;
                    case 3 when i % 500 == 0:
                        await cache.RemoveByTagAsync("all", Ct);
                        break;
                    default:
                        var value = await cache.GetOrCreateAsync(key, (_, _) => ValueTask.FromResult(key.Length), options, Ct);
                        if (value != key.Length)
                        {
                            Interlocked.Increment(ref wrong);
                        }

                        break;
                }

                // Inserts evict under the store's lock; a reader outside it may see one entry per racing writer over the bound.
                if (cache.Count > 200 + 8)
                {
                    Interlocked.Increment(ref overfull);
                }
            }
        }, Ct)));

        wrong.Should().Be(0, "every caller gets the value of its own key");
        overfull.Should().Be(0);
        cache.Count.Should().BeInRange(0, 200);
    }
}
