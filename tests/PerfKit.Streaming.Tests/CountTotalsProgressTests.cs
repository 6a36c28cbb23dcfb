using System.Runtime.CompilerServices;
using Microsoft.Extensions.Time.Testing;

namespace PerfKit.Streaming.Tests;

public sealed class CountTotalsProgressTests
{
    private sealed class Collect : IProgress<StreamingProgress>
    {
        public List<StreamingProgress> Reports { get; } = [];

        public void Report(StreamingProgress value)
        {
            lock (Reports)
            {
                Reports.Add(value);
            }
        }
    }

    [Fact]
    public async Task TheCountingTime_IsNotInTheRate_AndTheCountingReportsProgress()
    {
        const int Items = 10;
        var time = new FakeTimeProvider();
        var passes = 0;

        // The counting pass lists slowly (10 s an item on the fake clock); the processing takes 1 s an item.
        async IAsyncEnumerable<int> Source([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var counting = Interlocked.Increment(ref passes) == 1;
            for (var i = 0; i < Items; i++)
            {
                await Task.Yield();
                if (counting)
                {
                    time.Advance(TimeSpan.FromSeconds(10));
                }

                yield return i;
            }
        }

        var progress = new Collect();

        // One item at a time through the sink (the signal), so the reports follow the processing closely.
        using var sunk = new SemaphoreSlim(1);
        await using var pipeline = new StreamingPipeline<int, int>(
            async (i, _) =>
            {
                await sunk.WaitAsync(TestContext.Current.CancellationToken);
                time.Advance(TimeSpan.FromSeconds(1));
                return i;
            },
            (_, _) =>
            {
                sunk.Release();
                return ValueTask.CompletedTask;
            },
            new StreamingPipelineOptions { CountTotals = true, MaxDegreeOfParallelism = 1, BatchSize = 1 },
            new PerfKitStreamingDependencies { TimeProvider = time });

        await pipeline.RunAsync(Source(TestContext.Current.CancellationToken), progress, TestContext.Current.CancellationToken);

        var counting = progress.Reports.Where(p => p.IsCounting).ToList();
        counting.Should().NotBeEmpty("the counting reports progress");
        counting.Select(p => p.ItemsTotal).Should().BeInAscendingOrder().And.OnlyContain(n => n > 0 && n <= Items);
        counting.Should().OnlyContain(p => p.ItemsDone == 0 && p.EstimatedRemaining == null);

        var first = progress.Reports.First(p => !p.IsCounting && !p.IsFinal && p.ItemsDone >= 1);
        first.ItemsTotal.Should().Be(Items);
        first.EstimatedRemaining.Should().NotBeNull();
        first.EstimatedRemaining!.Value.Should().BeLessThanOrEqualTo(TimeSpan.FromSeconds(2 * Items), "the rate is over the processing (1 s an item), not the 100 s of counting");
        first.Elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(100), "Elapsed still counts the whole run");
    }
}
