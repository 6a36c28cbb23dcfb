namespace PerfKit.Streaming.Tests;

public sealed class FileCheckpointStoreTests
{
    [Fact]
    public async Task SaveThenLoad_RoundTrips_AndLeavesNoTemporaryFile()
    {
        using var folder = new TempFolder();
        var store = new FileCheckpointStore(Path.Combine(folder.Path, "cp.json"));
        (await store.LoadAsync(TestContext.Current.CancellationToken)).Should().BeNull();

        await store.SaveAsync(new StreamingCheckpoint(42, "d/x.txt", [new(44, "d/z.txt"), new(50, "e/\"q\".txt")], finished: false), TestContext.Current.CancellationToken);
        var loaded = await store.LoadAsync(TestContext.Current.CancellationToken);

        loaded!.LowWaterMark.Should().Be(42);
        loaded.LowWaterKey.Should().Be("d/x.txt");
        loaded.CompletedAbove.Should().Equal(new KeyValuePair<long, string>(44, "d/z.txt"), new KeyValuePair<long, string>(50, "e/\"q\".txt"));
        loaded.Finished.Should().BeFalse();
        Directory.GetFiles(folder.Path).Should().ContainSingle();
    }

    [Fact]
    public async Task ATornTemporaryFile_FromACrashDuringSave_DoesNotReplaceTheCheckpoint()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "cp.json");
        var store = new FileCheckpointStore(path);
        await store.SaveAsync(new StreamingCheckpoint(7, "g", [], finished: false), TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(path + ".tmp", "{\"lowWaterMark\": 99, \"compl", TestContext.Current.CancellationToken);

        var loaded = await store.LoadAsync(TestContext.Current.CancellationToken);

        loaded!.LowWaterMark.Should().Be(7);
    }
}

public sealed class CorruptCheckpointTests
{
    [Theory]
    [InlineData("{\"version\":1,\"lowWaterMark\":4,\"completedAb", "not valid JSON")]
    [InlineData("", "not valid JSON")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("{\"version\":1,\"lowWaterMark\":-3,\"finished\":false,\"completedAbove\":[]}", "negative")]
    [InlineData("{\"version\":1,\"lowWaterMark\":\"x\",\"finished\":false,\"completedAbove\":[]}", "shape")]
    [InlineData("{\"version\":1,\"lowWaterMark\":3,\"finished\":false,\"completedAbove\":{}}", "shape")]
    [InlineData("{\"version\":1,\"lowWaterMark\":3,\"finished\":false,\"completedAbove\":[{\"seq\":5}]}", "shape")]
    [InlineData("{\"version\":1,\"lowWaterMark\":3,\"finished\":false}", "shape")]
    [InlineData("{\"version\":1,\"lowWaterMark\":3,\"finished\":\"yes\",\"completedAbove\":[]}", "shape")]
    [InlineData("{\"version\":1,\"lowWaterMark\":3,\"finished\":false,\"completedAbove\":[{\"sequence\":1,\"key\":\"a\"}]}", "below the lowWaterMark")]
    [InlineData("{\"version\":99,\"lowWaterMark\":3,\"finished\":false,\"completedAbove\":[]}", "version is 99")]
    [InlineData("{\"lowWaterMark\":3,\"finished\":false,\"completedAbove\":[]}", "version is missing")]
    public async Task ACorruptCheckpoint_ThrowsInvalidDataException_NamingTheFile_AndSayingToDeleteIt(string content, string why)
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "cp.json");
        await File.WriteAllTextAsync(path, content, TestContext.Current.CancellationToken);
        var store = new FileCheckpointStore(path);

        var thrown = await FluentActions.Awaiting(async () => await store.LoadAsync(TestContext.Current.CancellationToken))
            .Should().ThrowExactlyAsync<InvalidDataException>();

        thrown.Which.Message.Should().Contain(path).And.Contain(why).And.Contain("Delete it to start over");
    }

    [Fact]
    public async Task ACorruptCheckpoint_FailsTheRun_WithTheSameException()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "cp.json");
        await File.WriteAllTextAsync(path, "{\"version\":1,", TestContext.Current.CancellationToken);
        await using var pipeline = new StreamingPipeline<int, int>(
            (i, _) => ValueTask.FromResult(i), (_, _) => ValueTask.CompletedTask, new StreamingPipelineOptions { CheckpointPath = path });

        await FluentActions.Awaiting(async () => await pipeline.RunAsync(Enumerable.Range(0, 3).ToAsyncEnumerable(), cancellationToken: TestContext.Current.CancellationToken))
            .Should().ThrowExactlyAsync<InvalidDataException>().WithMessage($"*{path}*Delete it*");
    }
}
