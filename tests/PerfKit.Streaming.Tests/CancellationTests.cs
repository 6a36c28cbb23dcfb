using Microsoft.Extensions.Time.Testing;

namespace PerfKit.Streaming.Tests;

public sealed class CancellationTests
{
    [Fact]
    public async Task Cancelling_FinishesOnlyTheStartedItems_AndTheResumeProcessesTheWaitingOnes()
    {
        const int Running = 2, Waiting = 10;
        var items = Enumerable.Range(0, Running + Waiting).Select(i => $"item-{i:D2}").ToArray();
        var store = new MemoryCheckpointStore();
        var dependencies = new PerfKitStreamingDependencies { TimeProvider = new FakeTimeProvider(), CheckpointStore = store };
        var options = new StreamingPipelineOptions { MaxDegreeOfParallelism = Running, BatchSize = 1 };
        var sunk = new List<string>();
        var processed = new List<string>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var allRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = 0;

        StreamingPipeline<string, string> Create(bool block) => new(
            async (item, _) =>
            {
                lock (processed)
                {
                    processed.Add(item);
                }

                if (block)
                {
                    if (Interlocked.Increment(ref started) == Running)
                    {
                        allRunning.TrySetResult();
                    }

                    await gate.Task;
                }

                return item;
            },
            (batch, _) =>
            {
                lock (sunk)
                {
                    sunk.AddRange(batch.Select(r => r.Item));
                }

                return ValueTask.CompletedTask;
            },
            options,
            dependencies) { KeySelector = item => item };

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        StreamingReport first;
        await using (var pipeline = Create(block: true))
        {
            var run = pipeline.RunAsync(items.ToAsyncEnumerable(), cancellationToken: cancel.Token);
            await allRunning.Task.WaitAsync(TestContext.Current.CancellationToken);
            await cancel.CancelAsync();
            gate.SetResult();
            first = await run;
        }

        first.Cancelled.Should().BeTrue();
        processed.Should().BeEquivalentTo(items[..Running], "only the started items run after the cancellation");
        sunk.Should().BeEquivalentTo(items[..Running]);
        store.Saved!.LowWaterMark.Should().Be(Running);

        StreamingReport second;
        await using (var pipeline = Create(block: false))
        {
            second = await pipeline.RunAsync(items.ToAsyncEnumerable(), cancellationToken: TestContext.Current.CancellationToken);
        }

        second.Completed.Should().BeTrue();
        second.ItemsSkipped.Should().Be(Running);
        sunk.Should().Equal(sunk.Distinct(), "none repeated");
        sunk.Should().BeEquivalentTo(items, "none skipped");
        processed.Should().HaveCount(items.Length);
    }
}
