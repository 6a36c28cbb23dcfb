using System.Diagnostics;

namespace PerfKit.Streaming.Tests;

public sealed class ResumeTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ACancelledRun_Resumes_WithEveryFileOnce_NoneSkippedNoneRepeated()
    {
        using var folder = new TempFolder();
        var paths = folder.Generate(2000);
        var checkpoint = Path.Combine(folder.Path, "checkpoint.json");
        var sunk = new List<string>();
        var options = new StreamingPipelineOptions { MaxDegreeOfParallelism = 3, BatchSize = 16, MaxItemsInFlight = 40, CheckpointPath = checkpoint };

        StreamingPipeline<FileItem, int> Create(CancellationTokenSource? cancelAfter500) => new(
            (file, _) => ValueTask.FromResult((int)file.Length),
            (batch, _) =>
            {
                sunk.AddRange(batch.Select(r => r.Item.IdempotencyKey));
                if (cancelAfter500 is not null && sunk.Count >= 500)
                {
                    cancelAfter500.Cancel();
                }

                return ValueTask.CompletedTask;
            },
            options);

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var source = new DirectorySource(new DirectorySourceOptions { Root = Path.Combine(folder.Path, "data") });
        StreamingReport first, second;
        await using (var pipeline = Create(cancel))
        {
            first = await pipeline.RunAsync(source, cancellationToken: cancel.Token);
        }

        var afterFirst = sunk.Count;
        await using (var pipeline = Create(null))
        {
            second = await pipeline.RunAsync(source, cancellationToken: Token);
        }

        first.Cancelled.Should().BeTrue();
        afterFirst.Should().BeInRange(500, 1999);
        second.Completed.Should().BeTrue();
        second.ItemsSkipped.Should().Be(afterFirst);
        second.ResumedAt.Should().NotBeNull();
        sunk.Should().HaveCount(paths.Count, "a cancelled run drains and checkpoints, so nothing repeats");
        sunk.Select(k => k.Split('|')[0]).ToHashSet().SetEquals(paths.Select(p => p["data/".Length..])).Should().BeTrue("every file reached the sink");
    }

    [Fact]
    public async Task AFinishedRun_LeavesNothingToDo()
    {
        using var folder = new TempFolder();
        folder.Generate(30);
        var checkpoint = Path.Combine(folder.Path, "checkpoint.json");
        var sunk = 0;
        var options = new StreamingPipelineOptions { CheckpointPath = checkpoint };
        var source = new DirectorySource(new DirectorySourceOptions { Root = Path.Combine(folder.Path, "data") });
        for (var run = 0; run < 2; run++)
        {
            await using var pipeline = new StreamingPipeline<FileItem, int>((_, _) => ValueTask.FromResult(0), (b, _) => { sunk += b.Count; return ValueTask.CompletedTask; }, options);
            await pipeline.RunAsync(source, cancellationToken: Token);
        }

        sunk.Should().Be(30);
        (await new FileCheckpointStore(checkpoint).LoadAsync(Token))!.Finished.Should().BeTrue();
    }

    [Fact]
    public async Task AChangedSource_MakesTheResumeFail_RatherThanSkipTheWrongItems()
    {
        var store = new MemoryCheckpointStore();
        await store.SaveAsync(new StreamingCheckpoint(2, "b", [], finished: false), Token);
        await using var pipeline = new StreamingPipeline<string, int>(
            (_, _) => ValueTask.FromResult(0),
            (_, _) => ValueTask.CompletedTask,
            new StreamingPipelineOptions(),
            new PerfKitStreamingDependencies { CheckpointStore = store })
        {
            KeySelector = s => s,
        };

        var act = () => pipeline.RunAsync(new[] { "a", "x", "c" }.ToAsyncEnumerable(), cancellationToken: Token);

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*source changed*'x'*'b'*");
    }

    [Fact]
    public async Task ItemsDoneAboveTheLowWaterMark_AreSkipped_AndTheOthersProcessed()
    {
        var store = new MemoryCheckpointStore();
        await store.SaveAsync(new StreamingCheckpoint(2, "b", [new(3, "d"), new(5, "f")], finished: false), Token);
        var sunk = new List<string>();
        await using var pipeline = new StreamingPipeline<string, string>(
            (s, _) => ValueTask.FromResult(s),
            (batch, _) => { sunk.AddRange(batch.Select(r => r.Result)); return ValueTask.CompletedTask; },
            new StreamingPipelineOptions { PreserveOrder = true },
            new PerfKitStreamingDependencies { CheckpointStore = store })
        {
            KeySelector = s => s,
        };

        var report = await pipeline.RunAsync(new[] { "a", "b", "c", "d", "e", "f", "g" }.ToAsyncEnumerable(), cancellationToken: Token);

        sunk.Should().Equal("c", "e", "g");
        report.ItemsSkipped.Should().Be(4);
        store.Saved!.LowWaterMark.Should().Be(7);
        store.Saved.CompletedAbove.Should().BeEmpty();
    }

    [Fact]
    public async Task AKilledChildProcess_Resumes_WithEveryFile_AndRepeatsAtMostOneBatch()
    {
        using var folder = new TempFolder();
        var paths = folder.Generate(3000);
        var root = Path.Combine(folder.Path, "data");
        var checkpoint = Path.Combine(folder.Path, "checkpoint.json");
        var sinkFile = Path.Combine(folder.Path, "sink.txt");
        const int BatchSize = 10; // the host's batch size: the most a crash may repeat

        // First run: killed with SIGKILL once its sink has written at least 300 items.
        using (var child = Start(root, checkpoint, sinkFile, slowAfter: 300))
        {
            long seen = 0;
            while (seen < 300)
            {
                var line = await child.StandardOutput.ReadLineAsync(Token) ?? throw new InvalidOperationException("The host ended before it was killed: " + await child.StandardError.ReadToEndAsync(Token));
                if (line.StartsWith("sunk ", StringComparison.Ordinal))
                {
                    seen = long.Parse(line[5..], System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            child.Kill(); // SIGKILL on Unix: no finally blocks, no final checkpoint
            await child.WaitForExitAsync(Token);
        }

        var afterKill = File.ReadAllLines(sinkFile).Length;
        afterKill.Should().BeInRange(300, 2999, "the run was killed mid-way");

        // Second run: resumes from the checkpoint and finishes.
        using (var child = Start(root, checkpoint, sinkFile, slowAfter: long.MaxValue))
        {
            var output = await child.StandardOutput.ReadToEndAsync(Token);
            await child.WaitForExitAsync(Token);
            child.ExitCode.Should().Be(0, output + await child.StandardError.ReadToEndAsync(Token));
            output.Should().Contain("completed True");
        }

        var lines = File.ReadAllLines(sinkFile);
        var byPath = lines.GroupBy(l => l.Split('|')[0]).ToDictionary(g => g.Key, g => g.Count());
        byPath.Keys.ToHashSet().SetEquals(paths.Select(p => p["data/".Length..])).Should().BeTrue("no file is skipped");
        var repeats = lines.Length - byPath.Count;
        TestContext.Current.TestOutputHelper?.WriteLine($"killed after {afterKill} items in the sink; {repeats} repeated after the resume");
        repeats.Should().BeLessThanOrEqualTo(BatchSize, "only the batch written after the last checkpoint may repeat");
    }

    private static Process Start(string root, string checkpoint, string sinkFile, long slowAfter) =>
        CrashHost.Start([root, checkpoint, sinkFile, slowAfter.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
}
