using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace PerfKit.Streaming.Tests;

public sealed class StreamingPipelineTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static async ValueTask<int> CountBytesAsync(FileItem file, StreamingItemContext context)
    {
        var stream = context.OpenRead();
        await using (stream)
        {
            var buffer = new byte[4096];
            int read, total = 0;
            while ((read = await stream.ReadAsync(buffer, context.CancellationToken)) > 0)
            {
                total += read;
            }

            context.AddRecords(1);
            return total;
        }
    }

    [Fact]
    public async Task TenThousandFiles_AreEachProcessedExactlyOnce()
    {
        using var folder = new TempFolder();
        var paths = folder.Generate(10_000);
        var seen = new ConcurrentDictionary<string, int>();
        long bytes = 0;
        await using var pipeline = new StreamingPipeline<FileItem, int>(
            CountBytesAsync,
            (batch, _) =>
            {
                foreach (var r in batch)
                {
                    seen.AddOrUpdate(r.Item.RelativePath, 1, static (_, n) => n + 1);
                    Interlocked.Add(ref bytes, r.Result);
                }

                return ValueTask.CompletedTask;
            },
            new StreamingPipelineOptions { MaxDegreeOfParallelism = 4, MaxItemsInFlight = 64 });

        var report = await pipeline.RunAsync(new DirectorySource(new DirectorySourceOptions { Root = folder.Path }), cancellationToken: Token);

        seen.Should().HaveCount(10_000);
        seen.Keys.ToHashSet().SetEquals(paths).Should().BeTrue("every generated file reached the sink"); // not BeEquivalentTo: quadratic on 10,000 items
        seen.Values.Should().AllSatisfy(n => n.Should().Be(1));
        report.ItemsSucceeded.Should().Be(10_000);
        report.Records.Should().Be(10_000);
        report.Bytes.Should().Be(bytes);
        report.Completed.Should().BeTrue();
        report.Failures.Should().BeEmpty();
    }

    [Fact]
    public async Task BytesInFlight_StayWithinTheBound_UnderASlowSink_Measured()
    {
        using var folder = new TempFolder();
        var random = new Random(42);
        for (var i = 0; i < 300; i++)
        {
            folder.Write($"f{i:D4}.bin", new byte[random.Next(1, 32 * 1024)]);
        }

        const long Bound = 128 * 1024;
        long current = 0, max = 0;
        await using var pipeline = new StreamingPipeline<FileItem, long>(
            (file, _) =>
            {
                // Counted from the moment a worker holds the item until the sink has written it.
                var now = Interlocked.Add(ref current, file.Length);
                long seen;
                while (now > (seen = Interlocked.Read(ref max)) && Interlocked.CompareExchange(ref max, now, seen) != seen)
                {
                }

                return ValueTask.FromResult(file.Length);
            },
            (batch, _) =>
            {
                Thread.SpinWait(200_000); // a slow sink, without sleeping on the clock
                foreach (var r in batch)
                {
                    Interlocked.Add(ref current, -r.Weight);
                }

                return ValueTask.CompletedTask;
            },
            new StreamingPipelineOptions { MaxDegreeOfParallelism = 4, MaxBytesInFlight = Bound, BatchSize = 5 });

        var report = await pipeline.RunAsync(new DirectorySource(new DirectorySourceOptions { Root = folder.Path }), cancellationToken: Token);

        report.ItemsSucceeded.Should().Be(300);
        max.Should().BeLessThanOrEqualTo(Bound).And.BeGreaterThan(Bound / 2, "the source must have run up against the bound for the test to mean anything");
    }

    [Fact]
    public async Task PreserveOrder_TheSinkSeesTheSourceOrder()
    {
        var sunk = new List<long>();
        await using var pipeline = new StreamingPipeline<int, int>(
            async (i, _) =>
            {
                for (var y = 0; y < (i * 7) % 5; y++)
                {
                    await Task.Yield();
                }

                return i;
            },
            (batch, _) =>
            {
                sunk.AddRange(batch.Select(r => (long)r.Result));
                return ValueTask.CompletedTask;
            },
            new StreamingPipelineOptions { MaxDegreeOfParallelism = 4, PreserveOrder = true, BatchSize = 7 });

        var report = await pipeline.RunAsync(Enumerable.Range(0, 2000).ToAsyncEnumerable(), cancellationToken: Token);

        report.ItemsSucceeded.Should().Be(2000);
        sunk.Should().Equal(Enumerable.Range(0, 2000).Select(i => (long)i));
    }

    [Fact]
    public async Task APartialBatch_IsWrittenAfterBatchInterval_OnTheFakeClock()
    {
        var time = new FakeTimeProvider();
        var source = Channel.CreateUnbounded<int>();
        var written = new TaskCompletionSource<(int Count, DateTimeOffset At)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var processed = new CountdownEvent(3);
        await using var pipeline = new StreamingPipeline<int, int>(
            (i, _) =>
            {
                processed.Signal();
                return ValueTask.FromResult(i);
            },
            (batch, _) =>
            {
                written.TrySetResult((batch.Count, time.GetUtcNow()));
                return ValueTask.CompletedTask;
            },
            new StreamingPipelineOptions { BatchSize = 100, BatchInterval = TimeSpan.FromSeconds(1) },
            new PerfKitStreamingDependencies { TimeProvider = time });
        var start = time.GetUtcNow();
        var run = pipeline.RunAsync(source.Reader.ReadAllAsync(Token), cancellationToken: Token);
        for (var i = 0; i < 3; i++)
        {
            source.Writer.TryWrite(i);
        }

        processed.Wait(Token);
        while (!written.Task.IsCompleted)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(written.Task, Task.Delay(5, Token));
        }

        var (count, at) = await written.Task;
        count.Should().Be(3);
        (at - start).Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1));
        source.Writer.Complete();
        (await run).ItemsSucceeded.Should().Be(3);
    }

    [Fact]
    public async Task Retry_BacksOffOnTheFakeClock_AndTheItemSucceeds()
    {
        var time = new FakeTimeProvider();
        var attempts = 0;
        var attemptTimes = new ConcurrentQueue<DateTimeOffset>();
        await using var pipeline = new StreamingPipeline<int, int>(
            (i, context) =>
            {
                attemptTimes.Enqueue(time.GetUtcNow());
                Interlocked.Increment(ref attempts);
                return context.Attempt < 3 ? throw new IOException("transient") : ValueTask.FromResult(i);
            },
            (_, _) => ValueTask.CompletedTask,
            new StreamingPipelineOptions { ErrorPolicy = ItemErrorPolicy.Retry, RetryDelay = TimeSpan.FromSeconds(1), MaxRetries = 3 },
            new PerfKitStreamingDependencies { TimeProvider = time });

        var run = pipeline.RunAsync(new[] { 7 }.ToAsyncEnumerable(), cancellationToken: Token);
        while (!run.IsCompleted)
        {
            time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.WhenAny(run, Task.Delay(5, Token));
        }

        var report = await run;
        report.ItemsSucceeded.Should().Be(1);
        report.ItemsFailed.Should().Be(0);
        attempts.Should().Be(3);
        var times = attemptTimes.ToArray();
        (times[1] - times[0]).Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1));
        (times[2] - times[1]).Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(2), "the delay doubles");
    }

    [Fact]
    public async Task StopPolicy_StopsTheRun_AndKeepsTheFailedItemUndone()
    {
        var store = new MemoryCheckpointStore();
        await using var pipeline = new StreamingPipeline<int, int>(
            (i, _) => i == 5 ? throw new InvalidOperationException("boom") : ValueTask.FromResult(i),
            (_, _) => ValueTask.CompletedTask,
            new StreamingPipelineOptions { ErrorPolicy = ItemErrorPolicy.Stop, MaxDegreeOfParallelism = 1, MaxItemsInFlight = 1 },
            new PerfKitStreamingDependencies { CheckpointStore = store });

        var report = await pipeline.RunAsync(Enumerable.Range(0, 100).ToAsyncEnumerable(), cancellationToken: Token);

        report.Stopped.Should().BeTrue();
        report.Completed.Should().BeFalse();
        report.Failures.Should().ContainSingle().Which.Sequence.Should().Be(5);
        store.Saved!.LowWaterMark.Should().Be(5, "items 0-4 are done and the failed item must be tried again on resume");
    }

    [Fact]
    public async Task Progress_IsThrottledOnTheFakeClock_AndEndsWithAFinalReport()
    {
        var time = new FakeTimeProvider();
        var reports = new List<StreamingProgress>();
        await using var pipeline = new StreamingPipeline<int, int>(
            (i, _) =>
            {
                time.Advance(TimeSpan.FromMilliseconds(10));
                return ValueTask.FromResult(i);
            },
            (_, _) => ValueTask.CompletedTask,
            new StreamingPipelineOptions { MaxDegreeOfParallelism = 1, MaxItemsInFlight = 1, BatchSize = 1, CountTotals = true },
            new PerfKitStreamingDependencies { TimeProvider = time });

        await pipeline.RunAsync(Enumerable.Range(0, 1000).ToAsyncEnumerable(), new SyncProgress(reports), Token);

        reports.Count.Should().BeInRange(50, 101, "10 s of fake time at most one report per 100 ms, plus the final one");
        reports.Zip(reports.Skip(1).SkipLast(1)).Should().AllSatisfy(p => (p.Second.Elapsed - p.First.Elapsed).Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(100)));
        var last = reports[^1];
        last.IsFinal.Should().BeTrue();
        last.ItemsDone.Should().Be(1000);
        last.ItemsTotal.Should().Be(1000);
        reports[reports.Count / 2].EstimatedRemaining.Should().NotBeNull();
        reports[reports.Count / 2].ItemsPerSecond.Should().BeApproximately(100, 5);
    }

    [Fact]
    public async Task ACancelledRun_DrainsInFlightItems_AndReturnsACancelledReport()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var processed = 0;
        var sunk = 0;
        await using var pipeline = new StreamingPipeline<int, int>(
            (i, _) =>
            {
                if (Interlocked.Increment(ref processed) == 50)
                {
                    cancel.Cancel();
                }

                return ValueTask.FromResult(i);
            },
            (batch, _) =>
            {
                sunk += batch.Count;
                return ValueTask.CompletedTask;
            },
            new StreamingPipelineOptions { MaxDegreeOfParallelism = 2 });

        var report = await pipeline.RunAsync(Enumerable.Range(0, 100_000).ToAsyncEnumerable(), cancellationToken: cancel.Token);

        report.Cancelled.Should().BeTrue();
        sunk.Should().Be(processed, "every item that was processed reached the sink");
        report.ItemsSucceeded.Should().Be(sunk);
    }

    [Fact]
    public async Task ASinkThatThrows_StopsTheRun_AndRunAsyncRethrows()
    {
        await using var pipeline = new StreamingPipeline<int, int>(
            (i, _) => ValueTask.FromResult(i),
            (_, _) => throw new InvalidDataException("sink down"),
            new StreamingPipelineOptions());

        var act = () => pipeline.RunAsync(Enumerable.Range(0, 1000).ToAsyncEnumerable(), cancellationToken: Token);

        await act.Should().ThrowAsync<InvalidDataException>().WithMessage("sink down");
    }

    [Fact]
    public async Task ItemsHeavierThanMaxItemBytes_FailAsTooLarge_WithoutBeingProcessed()
    {
        var processed = 0;
        await using var pipeline = new StreamingPipeline<int, int>(
            (i, _) =>
            {
                Interlocked.Increment(ref processed);
                return ValueTask.FromResult(i);
            },
            (_, _) => ValueTask.CompletedTask,
            new StreamingPipelineOptions { MaxItemBytes = 100, MaxBytesInFlight = 1000 })
        {
            WeightSelector = i => i,
        };

        var report = await pipeline.RunAsync(new[] { 10, 500, 20 }.ToAsyncEnumerable(), cancellationToken: Token);

        processed.Should().Be(2);
        report.Failures.Should().ContainSingle().Which.Kind.Should().Be(StreamingFailureKind.TooLarge);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ABatchBiggerThanTheBounds_IsWrittenWhenTheSourceWaitsForRoom_WithoutTheClockMoving(bool preserveOrder)
    {
        // The fake clock never moves, so BatchInterval cannot flush: a batch that can never fill (the item window and
        // the byte bound are smaller than it) must be written once every admitted item waits in it, or the run hangs.
        var sunk = 0;
        await using var pipeline = new StreamingPipeline<int, int>(
            (i, _) => ValueTask.FromResult(i),
            (batch, _) =>
            {
                sunk += batch.Count;
                return ValueTask.CompletedTask;
            },
            new StreamingPipelineOptions { MaxItemsInFlight = 4, BatchSize = 100, MaxBytesInFlight = 50, BatchBytes = 1000, PreserveOrder = preserveOrder },
            new PerfKitStreamingDependencies { TimeProvider = new FakeTimeProvider() })
        {
            WeightSelector = _ => 10,
        };

        var report = await pipeline.RunAsync(Enumerable.Range(0, 500).ToAsyncEnumerable(), cancellationToken: Token);

        report.ItemsSucceeded.Should().Be(500);
        sunk.Should().Be(500);
    }

    [Fact]
    public async Task DisposingDuringARun_CancelsTheProcessors_AndLeavesTheItemsUndone()
    {
        var store = new MemoryCheckpointStore();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pipeline = new StreamingPipeline<int, int>(
            async (i, context) =>
            {
                started.TrySetResult();
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
                return i;
            },
            (_, _) => ValueTask.CompletedTask,
            new StreamingPipelineOptions { MaxDegreeOfParallelism = 2 },
            new PerfKitStreamingDependencies { CheckpointStore = store });
        var run = pipeline.RunAsync(Enumerable.Range(0, 100).ToAsyncEnumerable(), cancellationToken: Token);
        await started.Task.WaitAsync(Token);

        await pipeline.DisposeAsync();
        var report = await run;

        report.Completed.Should().BeFalse();
        report.Aborted.Should().BeTrue("a disposed run says so, rather than completed, cancelled and stopped all false");
        report.ToJson().Should().Contain("\"aborted\": true");
        report.ItemsSucceeded.Should().Be(0);
        store.Saved!.LowWaterMark.Should().Be(0);
        store.Saved.CompletedAbove.Should().BeEmpty();
        var again = () => pipeline.RunAsync(Enumerable.Range(0, 1).ToAsyncEnumerable(), cancellationToken: Token);
        await again.Should().ThrowAsync<ObjectDisposedException>();
    }

    private sealed class SyncProgress(List<StreamingProgress> reports) : IProgress<StreamingProgress>
    {
        public void Report(StreamingProgress value) => reports.Add(value);
    }
}
