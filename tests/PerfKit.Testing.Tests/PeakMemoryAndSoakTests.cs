using PerfKit.Testing.Reports;

namespace PerfKit.Testing.Tests;

/// <summary>The heap is process-wide: these run alone, after the parallel tests.</summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class HeapMeasurements
{
}

[Collection(typeof(HeapMeasurements))]
public sealed class PeakMemoryAndSoakTests
{
    private static readonly List<byte[]> Leaked = [];

    [Fact]
    public async Task PeakMemory_SeesABufferedOperation_AndNotAStreamingOne()
    {
        var buffered = await PeakMemory.MeasureAsync(async () =>
        {
            var whole = new byte[64 << 20];
            Array.Fill(whole, (byte)1);
            await Task.Yield();
            GC.KeepAlive(whole);
        });

        var streaming = await PeakMemory.MeasureAsync(async () =>
        {
            var chunk = new byte[64 << 10];
            for (var i = 0; i < 1024; i++)
            {
                Array.Fill(chunk, (byte)i);
                await Task.Yield();
            }
        });

        buffered.PeakAboveBaselineBytes.Should().BeGreaterThan(63 << 20, "the 64 MiB array, give or take the heap accounting of the rest; " + buffered);
        buffered.RetainedBytes.Should().BeLessThan(1 << 20, "nothing keeps the buffer afterwards");
        buffered.AllocatedBytes.Should().BeGreaterThanOrEqualTo(64 << 20);
        streaming.PeakAboveBaselineBytes.Should().BeLessThan(8 << 20, "64 MiB streamed through one 64 KiB buffer; " + streaming);
    }

    [Fact]
    public void PeakMemory_SeesAPeakThatACollectionFreedBeforeTheEnd()
    {
        var result = PeakMemory.Measure(() =>
        {
            var big = new byte[32 << 20];
            Array.Fill(big, (byte)7);
            GC.KeepAlive(big);
            big = null;
            GC.Collect(); // freed before the operation ends: only the runtime's before-GC size shows it
        }, sampleInterval: TimeSpan.FromSeconds(30));

        result.PeakAboveBaselineBytes.Should().BeGreaterThan(31 << 20, "the 32 MiB array, give or take the heap accounting of the rest; " + result);
        result.Gen2Collections.Should().BeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task ProcessingABatch_HasBoundedPeakMemory_AndDoesNotLeak()
    {
        var peak = await PeakMemory.MeasureAsync(() => ProcessBatchAsync(1_000));
        peak.PeakAboveBaselineBytes.Should().BeLessThan(16 << 20, peak.ToString());

        var soak = await Soak.RunAsync("batches", _ => new ValueTask(ProcessBatchAsync(1_000)), rounds: 10, cancellationToken: TestContext.Current.CancellationToken);
        soak.Should().NotGrowMoreThan(16 * 1024);
    }

    // Streams records through one pooled buffer: allocation is constant whatever the batch size.
    private static async Task ProcessBatchAsync(int records)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            using var sink = new MemoryStream(capacity: 64 * 1024);
            for (var i = 0; i < records; i++)
            {
                buffer.AsSpan(0, 1024).Fill((byte)i);
                sink.Position = 0;
                await sink.WriteAsync(buffer.AsMemory(0, 1024));
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [Fact]
    public async Task Soak_FindsAHeapThatGrowsEveryRound_AndPassesOneThatDoesNot()
    {
        var leaky = await Soak.RunAsync("leaky", round =>
        {
            Leaked.Add(new byte[256 * 1024]); // a "cache" nobody evicts
            return ValueTask.CompletedTask;
        }, rounds: 12, cancellationToken: TestContext.Current.CancellationToken);

        var steady = await Soak.RunAsync("steady", round =>
        {
            var garbage = new byte[1 << 20]; // allocates, keeps nothing
            garbage[round] = 1;
            return ValueTask.CompletedTask;
        }, rounds: 12, cancellationToken: TestContext.Current.CancellationToken);

        leaky.GrowthPerRoundBytes.Should().BeInRange(256 * 1024, 300 * 1024, leaky.ToString());
        leaky.Invoking(s => s.Should().NotGrowMoreThan(32 * 1024)).Should().Throw<Exception>().WithMessage("*grew 26*bytes a round*");
        steady.Should().NotGrowMoreThan(32 * 1024);

        var report = new ReadinessReport("soak").CheckNoLeak(leaky, 32 * 1024).CheckNoLeak(steady, 32 * 1024);
        report.Checks.Select(c => c.Passed).Should().Equal(false, true);
        Leaked.Clear();
    }
}
