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
