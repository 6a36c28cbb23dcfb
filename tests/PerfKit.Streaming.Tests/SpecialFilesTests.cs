using System.Diagnostics;

namespace PerfKit.Streaming.Tests;

/// <summary>FIFOs and devices in the walked tree: reported, never opened (a FIFO would block open() for good).</summary>
public sealed class SpecialFilesTests
{
    private static void MakeFifo(string path)
    {
        using var process = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        process.WaitForExit();
        process.ExitCode.Should().Be(0);
    }

    private static async ValueTask<long> ReadAllAsync(FileItem file, StreamingItemContext context)
    {
        var stream = context.OpenRead();
        await using (stream)
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, context.CancellationToken);
            return buffer.Length;
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task FifoAndDeviceLink_AreReportedAsNotRegularFiles_NeverOpened_AndOthersAreProcessed()
    {
        using var folder = new TempFolder();
        folder.Write("a.txt", "a\n");
        folder.Write("z.txt", "z\n");
        MakeFifo(Path.Combine(folder.Path, "m-fifo"));
        File.CreateSymbolicLink(Path.Combine(folder.Path, "n-zero"), "/dev/zero");
        var sunk = new List<string>();
        await using var pipeline = new StreamingPipeline<FileItem, long>(
            ReadAllAsync,
            (batch, _) =>
            {
                sunk.AddRange(batch.Select(r => r.Item.RelativePath));
                return ValueTask.CompletedTask;
            },
            new StreamingPipelineOptions { MaxDegreeOfParallelism = 2 });

        var report = await pipeline.RunAsync(new DirectorySource(new DirectorySourceOptions { Root = folder.Path }), cancellationToken: TestContext.Current.CancellationToken);

        sunk.Should().BeEquivalentTo("a.txt", "z.txt");
        report.Completed.Should().BeTrue();
        var failures = report.Failures.ToDictionary(f => f.Key);
        failures.Keys.Should().BeEquivalentTo("m-fifo", "n-zero");
        failures["m-fifo"].Kind.Should().Be(StreamingFailureKind.WalkProblem);
        failures["m-fifo"].Message.Should().Contain("not a regular file").And.Contain("FIFO");
        failures["n-zero"].Message.Should().Contain("not a regular file").And.Contain("character device");
    }

    [Fact(Timeout = 60_000)]
    public async Task FileReplacedByAFifoAfterTheWalk_FailsToOpen_InsteadOfBlocking()
    {
        using var folder = new TempFolder();
        folder.Write("a.txt", "a\n");
        folder.Write("b.txt", "b\n");
        await using var pipeline = new StreamingPipeline<FileItem, long>(
            ReadAllAsync, (_, _) => ValueTask.CompletedTask, new StreamingPipelineOptions { MaxDegreeOfParallelism = 1 });

        async IAsyncEnumerable<FileItem> Swapped()
        {
            await foreach (var item in new DirectorySource(new DirectorySourceOptions { Root = folder.Path }))
            {
                if (item.RelativePath == "a.txt")
                {
                    File.Delete(item.FullPath);
                    MakeFifo(item.FullPath);
                }

                yield return item;
            }
        }

        var report = await pipeline.RunAsync(Swapped(), cancellationToken: TestContext.Current.CancellationToken);

        report.ItemsSucceeded.Should().Be(1);
        report.Failures.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Kind = StreamingFailureKind.ReadError, Key = "a.txt" });
        report.Failures[0].Message.Should().Contain("not a regular file");
    }

    [Fact(Timeout = 60_000)]
    public void RecordFile_RefusesAFifo_InsteadOfBlocking()
    {
        using var folder = new TempFolder();
        var fifo = Path.Combine(folder.Path, "fifo");
        MakeFifo(fifo);
        var file = folder.Write("regular.txt", "a\nb\n");

        FluentActions.Invoking(() => PerfKit.Streaming.Records.RecordFile.OpenPipeReader(fifo)).Should().Throw<IOException>().WithMessage("*not a regular file*");
        var reader = PerfKit.Streaming.Records.RecordFile.OpenPipeReader(file);
        reader.Complete();
    }
}
