using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using PerfKit.Caching.Batching;

namespace PerfKit.Caching.Tests.Batching;

public sealed class BatchLoaderTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ConcurrentLoads_InOneLingerWindow_MakeCeilingOfNOverMaximumBatchSizeCalls()
    {
        var time = new FakeTimeProvider();
        var source = new RecordingBatchFunction();
        using var loader = new BatchLoader<int, string>(source.Invoke, new BatchLoaderOptions { MaximumBatchSize = 100 }, new PerfKitCacheDependencies { TimeProvider = time });

        var loads = Enumerable.Range(0, 250).Select(i => loader.LoadAsync(i, Ct).AsTask()).ToArray();

        // Two batches were full and went at once; the last 50 keys wait for the linger time.
        await source.WaitForCallsAsync(2);
        loads.Take(200).Should().OnlyContain(t => t.Wait(Wait));
        loads.Skip(200).Should().OnlyContain(t => !t.IsCompleted);
        time.Advance(BatchLoaderOptions.DefaultLingerTime);

        var values = await Task.WhenAll(loads).WaitAsync(Wait, Ct);
        values.Should().Equal(Enumerable.Range(0, 250).Select(i => $"v{i}"));
        source.Calls.Select(c => c.Count).Should().Equal(100, 100, 50);
        source.Calls.SelectMany(c => c).Should().OnlyHaveUniqueItems().And.HaveCount(250);
    }

    [Fact]
    public async Task TheSameKey_AskedManyTimes_IsLoadedOnce_AndEveryCallerGetsIt()
    {
        var time = new FakeTimeProvider();
        var source = new RecordingBatchFunction();
        using var loader = new BatchLoader<int, string>(source.Invoke, new BatchLoaderOptions(), new PerfKitCacheDependencies { TimeProvider = time });

        var loads = Enumerable.Range(0, 10).Select(_ => loader.LoadAsync(7, Ct).AsTask()).Append(loader.LoadAsync(8, Ct).AsTask()).ToArray();
        loader.PendingKeys.Should().Be(2);
        time.Advance(BatchLoaderOptions.DefaultLingerTime);

        (await Task.WhenAll(loads).WaitAsync(Wait, Ct)).Should().Equal([.. Enumerable.Repeat("v7", 10), "v8"]);
        source.Calls.Should().ContainSingle().Which.Should().BeEquivalentTo([7, 8]);
        loader.PendingKeys.Should().Be(0);
    }

    [Fact]
    public async Task AKeyMissingFromTheResult_FailsThatKeyOnly_WithTheKeyNamed()
    {
        var time = new FakeTimeProvider();
        var source = new RecordingBatchFunction { Leave = k => k == 2 };
        using var loader = new BatchLoader<int, string>(source.Invoke, new BatchLoaderOptions { Name = "rows" }, new PerfKitCacheDependencies { TimeProvider = time });

        var one = loader.LoadAsync(1, Ct).AsTask();
        var two = loader.LoadAsync(2, Ct).AsTask();
        time.Advance(BatchLoaderOptions.DefaultLingerTime);

        (await one.WaitAsync(Wait, Ct)).Should().Be("v1");
        var act = () => two.WaitAsync(Wait, Ct);
        (await act.Should().ThrowAsync<KeyNotFoundException>()).Which.Message.Should().Contain("'2'").And.Contain("'rows'");
    }

    [Fact]
    public async Task ExtraAndDuplicateKeysInTheResult_AreIgnored()
    {
        var time = new FakeTimeProvider();
        using var loader = new BatchLoader<int, string>(
            (keys, _) => ValueTask.FromResult<IReadOnlyDictionary<int, string>>(keys.Concat([99, 100]).ToDictionary(k => k, k => $"v{k}")),
            new BatchLoaderOptions(),
            new PerfKitCacheDependencies { TimeProvider = time });

        var one = loader.LoadAsync(1, Ct).AsTask();
        time.Advance(BatchLoaderOptions.DefaultLingerTime);

        (await one.WaitAsync(Wait, Ct)).Should().Be("v1");
        loader.PendingKeys.Should().Be(0);
    }

    [Fact]
    public async Task ABatchFunctionThatThrows_FailsEveryCallerOfTheBatch_WithItsKeys_AndTheLoaderGoesOn()
    {
        var time = new FakeTimeProvider();
        var source = new RecordingBatchFunction { Throw = true };
        using var loader = new BatchLoader<int, string>(source.Invoke, new BatchLoaderOptions(), new PerfKitCacheDependencies { TimeProvider = time });

        var failed = new[] { loader.LoadAsync(1, Ct).AsTask(), loader.LoadAsync(2, Ct).AsTask() };
        time.Advance(BatchLoaderOptions.DefaultLingerTime);
        foreach (var load in failed)
        {
            var act = () => load.WaitAsync(Wait, Ct);
            var error = (await act.Should().ThrowAsync<BatchLoadException>()).Which;
            error.InnerException.Should().BeOfType<InvalidOperationException>().Which.Message.Should().Be("database down");
            error.BatchSize.Should().Be(2);
            error.Message.Should().Contain("1, 2");
        }

        source.Throw = false;
        var later = loader.LoadAsync(1, Ct).AsTask();
        time.Advance(BatchLoaderOptions.DefaultLingerTime);
        (await later.WaitAsync(Wait, Ct)).Should().Be("v1");
    }

    [Fact]
    public async Task ACallersCancellation_EndsItsOwnWaitOnly_NeverTheBatch()
    {
        var time = new FakeTimeProvider();
        var source = new RecordingBatchFunction();
        using var loader = new BatchLoader<int, string>(source.Invoke, new BatchLoaderOptions(), new PerfKitCacheDependencies { TimeProvider = time });
        using var leaving = new CancellationTokenSource();

        var leaver = loader.LoadAsync(5, leaving.Token).AsTask();
        var stayer = loader.LoadAsync(5, Ct).AsTask();
        await leaving.CancelAsync();

        var act = () => leaver.WaitAsync(Wait, Ct);
        await act.Should().ThrowAsync<OperationCanceledException>();
        time.Advance(BatchLoaderOptions.DefaultLingerTime);
        (await stayer.WaitAsync(Wait, Ct)).Should().Be("v5");
        source.Tokens.Should().ContainSingle().Which.IsCancellationRequested.Should().BeFalse();
    }

    [Fact]
    public async Task ABatchFunctionThatNeverAnswers_FailsItsCallersAtTheBatchTimeout_EvenWhenItIgnoresItsToken()
    {
        var time = new FakeTimeProvider();
        var never = new TaskCompletionSource<IReadOnlyDictionary<int, string>>();
        CancellationToken seen = default;
        using var loader = new BatchLoader<int, string>(
            (_, token) =>
            {
                seen = token;
                return new ValueTask<IReadOnlyDictionary<int, string>>(never.Task);
            },
            new BatchLoaderOptions { BatchTimeout = TimeSpan.FromSeconds(5) },
            new PerfKitCacheDependencies { TimeProvider = time });

        var load = loader.LoadAsync(1, Ct).AsTask();
        time.Advance(BatchLoaderOptions.DefaultLingerTime);
        time.Advance(TimeSpan.FromSeconds(5));

        var act = () => load.WaitAsync(Wait, Ct);
        (await act.Should().ThrowAsync<BatchLoadException>()).Which.InnerException.Should().BeOfType<TimeoutException>();
        seen.IsCancellationRequested.Should().BeTrue();
        loader.PendingKeys.Should().Be(0);
    }

    [Fact]
    public async Task AtMostMaximumConcurrentBatches_RunAtOnce()
    {
        var time = new FakeTimeProvider();
        var gate = new TaskCompletionSource();
        using var called = new SemaphoreSlim(0);
        var running = 0;
        var most = 0;
        var calls = 0;
        using var loader = new BatchLoader<int, string>(
            async (keys, _) =>
            {
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref most, now);
                Interlocked.Increment(ref calls);
                called.Release();
                await gate.Task;
                Interlocked.Decrement(ref running);
                return keys.ToDictionary(k => k, k => $"v{k}");
            },
            new BatchLoaderOptions { MaximumBatchSize = 1, MaximumConcurrentBatches = 2 },
            new PerfKitCacheDependencies { TimeProvider = time });

        var loads = Enumerable.Range(0, 6).Select(i => loader.LoadAsync(i, Ct).AsTask()).ToArray();
        (await called.WaitAsync(Wait, Ct)).Should().BeTrue();
        (await called.WaitAsync(Wait, Ct)).Should().BeTrue();
        loads.Should().OnlyContain(t => !t.IsCompleted);
        Volatile.Read(ref calls).Should().Be(2, "the third batch waits for a slot");
        gate.SetResult();

        (await Task.WhenAll(loads).WaitAsync(Wait, Ct)).Should().HaveCount(6);
        most.Should().Be(2);
        calls.Should().Be(6);
    }

    [Fact]
    public async Task AFullLoader_RefusesFurtherKeys_NamingTheOption_AndCountsThem()
    {
        var time = new FakeTimeProvider();
        using var meters = new MeterFactoryForTests();
        using var rejected = new MetricCollector<long>(meters.Factory, PerfKitCachingDiagnostics.MeterName, PerfKitCachingDiagnostics.Instruments.BatchKeys);
        var gate = new TaskCompletionSource();
        var source = new RecordingBatchFunction { Gate = gate.Task };
        using var loader = new BatchLoader<int, string>(source.Invoke, new BatchLoaderOptions { MaximumPendingKeys = 2, MaximumBatchSize = 2 }, new PerfKitCacheDependencies { TimeProvider = time, MeterFactory = meters.Factory });

        var first = loader.LoadAsync(1, Ct).AsTask();
        var again = loader.LoadAsync(1, Ct).AsTask(); // joins: no new key
        var second = loader.LoadAsync(2, Ct).AsTask(); // the batch is full and sent; its call waits at the gate
        var act = () => loader.LoadAsync(3, Ct).AsTask();

        (await act.Should().ThrowAsync<BatchLoadException>()).Which.Message.Should().Contain("BatchLoaderOptions.MaximumPendingKeys");
        rejected.GetMeasurementSnapshot().Where(m => Equals(m.Tags["outcome"], "rejected")).Sum(m => m.Value).Should().Be(1);
        gate.SetResult();
        (await Task.WhenAll(first, again, second).WaitAsync(Wait, Ct)).Should().Equal("v1", "v1", "v2");

        // The limit counts keys waiting or loading: once they are done, a new key is taken again.
        var third = loader.LoadAsync(3, Ct).AsTask();
        time.Advance(BatchLoaderOptions.DefaultLingerTime);
        (await third.WaitAsync(Wait, Ct)).Should().Be("v3");
    }

    [Fact]
    public async Task ACallThatIgnoresItsToken_KeepsItsSlotUntilItEnds_AndABatchThatFindsNoSlotFailsAtTheTimeout()
    {
        var time = new FakeTimeProvider();
        var stuck = new TaskCompletionSource<IReadOnlyDictionary<int, string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        using var loader = new BatchLoader<int, string>(
            (keys, _) => Interlocked.Increment(ref calls) == 1 ? new ValueTask<IReadOnlyDictionary<int, string>>(stuck.Task) : ValueTask.FromResult<IReadOnlyDictionary<int, string>>(keys.ToDictionary(k => k, k => $"v{k}")),
            new BatchLoaderOptions { MaximumBatchSize = 1, MaximumConcurrentBatches = 1, BatchTimeout = TimeSpan.FromSeconds(5) },
            new PerfKitCacheDependencies { TimeProvider = time });

        var first = loader.LoadAsync(1, Ct).AsTask();
        time.Advance(TimeSpan.FromSeconds(5));
        var timedOut = () => first.WaitAsync(Wait, Ct);
        (await timedOut.Should().ThrowAsync<BatchLoadException>()).Which.InnerException.Should().BeOfType<TimeoutException>();

        var second = loader.LoadAsync(2, Ct).AsTask();
        time.Advance(TimeSpan.FromSeconds(5));
        var noSlot = () => second.WaitAsync(Wait, Ct);
        (await noSlot.Should().ThrowAsync<BatchLoadException>()).Which.InnerException!.Message.Should().Contain("MaximumConcurrentBatches");
        calls.Should().Be(1, "the stuck call still holds the only slot, so no second call reached the backend");

        stuck.SetResult(new Dictionary<int, string> { [1] = "late" });
        (await loader.LoadAsync(3, Ct).AsTask().WaitAsync(Wait, Ct)).Should().Be("v3", "the slot came back when the stuck call ended");
    }

    [Fact]
    public async Task Dispose_FailsWaitingCallers_AndLaterLoads_WithObjectDisposedException()
    {
        var time = new FakeTimeProvider();
        var loader = new BatchLoader<int, string>(new RecordingBatchFunction().Invoke, new BatchLoaderOptions(), new PerfKitCacheDependencies { TimeProvider = time });
        var waiting = loader.LoadAsync(1, Ct).AsTask();

        await loader.DisposeAsync();
        loader.Dispose();

        var act = () => waiting.WaitAsync(Wait, Ct);
        await act.Should().ThrowAsync<ObjectDisposedException>();
        var later = () => loader.LoadAsync(2, Ct).AsTask();
        await later.Should().ThrowAsync<ObjectDisposedException>();
        time.Advance(TimeSpan.FromSeconds(1)); // the linger timer of the failed batch does nothing
    }

    [Fact]
    public async Task ZeroLinger_SendsOnTheNextThreadPoolTurn_WithTheKeysOfThisTurn()
    {
        var source = new RecordingBatchFunction();
        using var loader = new BatchLoader<int, string>(source.Invoke, new BatchLoaderOptions { LingerTime = TimeSpan.Zero });

        var loads = Enumerable.Range(0, 5).Select(i => loader.LoadAsync(i, Ct).AsTask()).ToArray();

        (await Task.WhenAll(loads).WaitAsync(Wait, Ct)).Should().Equal("v0", "v1", "v2", "v3", "v4");
        source.Calls.Sum(c => c.Count).Should().Be(5);
    }

    [Fact]
    public async Task BehindACache_OnlyMissesReachTheBatchFunction_AndValuesAreCachedWithTheEntryOptions()
    {
        var time = new FakeTimeProvider();
        var source = new RecordingBatchFunction();
        using var loader = new BatchLoader<int, string>(source.Invoke, new BatchLoaderOptions(), new PerfKitCacheDependencies { TimeProvider = time });
        using var cache = new PerfKitCache(new PerfKitCacheOptions(), new PerfKitCacheDependencies { TimeProvider = time });
        var entry = new CacheEntryOptions { Duration = TimeSpan.FromMinutes(5), Tags = ["rows"] };
        ValueTask<string> Get(int id) => cache.GetOrCreateAsync($"row:{id}", (loader, id), static (_, s, ct) => s.loader.LoadAsync(s.id, ct), entry, Ct);

        var first = new[] { Get(1).AsTask(), Get(2).AsTask(), Get(2).AsTask() };
        time.Advance(BatchLoaderOptions.DefaultLingerTime);
        (await Task.WhenAll(first).WaitAsync(Wait, Ct)).Should().Equal("v1", "v2", "v2");

        var second = new[] { Get(1).AsTask(), Get(2).AsTask(), Get(3).AsTask() };
        time.Advance(BatchLoaderOptions.DefaultLingerTime);
        (await Task.WhenAll(second).WaitAsync(Wait, Ct)).Should().Equal("v1", "v2", "v3");
        source.Calls.Should().HaveCount(2);
        source.Calls[1].Should().Equal(3);

        await cache.RemoveByTagAsync("rows", Ct);
        var third = Get(1).AsTask();
        time.Advance(BatchLoaderOptions.DefaultLingerTime);
        (await third.WaitAsync(Wait, Ct)).Should().Be("v1");
        source.Calls.Should().HaveCount(3);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private sealed class RecordingBatchFunction
    {
        private readonly ConcurrentQueue<IReadOnlyList<int>> _calls = new();
        private readonly ConcurrentQueue<CancellationToken> _tokens = new();
        private readonly SemaphoreSlim _called = new(0);

        public Func<int, bool> Leave { get; init; } = static _ => false;

        public Task Gate { get; init; } = Task.CompletedTask;

        public bool Throw { get; set; }

        public IReadOnlyList<IReadOnlyList<int>> Calls => [.. _calls];

        public IReadOnlyList<CancellationToken> Tokens => [.. _tokens];

        public ValueTask<IReadOnlyDictionary<int, string>> Invoke(IReadOnlyList<int> keys, CancellationToken token)
        {
            _calls.Enqueue([.. keys]);
            _tokens.Enqueue(token);
            _called.Release();
            if (Throw)
            {
                throw new InvalidOperationException("database down");
            }

            var answer = keys.Where(k => !Leave(k)).ToDictionary(k => k, k => $"v{k}");
            return Gate.IsCompleted
                ? ValueTask.FromResult<IReadOnlyDictionary<int, string>>(answer)
                : new ValueTask<IReadOnlyDictionary<int, string>>(Gate.ContinueWith<IReadOnlyDictionary<int, string>>(_ => answer, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default));
        }

        public async Task WaitForCallsAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                (await _called.WaitAsync(Wait, Ct)).Should().BeTrue("the batch function should have been called {0} times", count);
            }
        }
    }

    private sealed class MeterFactoryForTests : IDisposable
    {
        private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

        public IMeterFactory Factory => _services.GetRequiredService<IMeterFactory>();

        public void Dispose() => _services.Dispose();
    }
}
