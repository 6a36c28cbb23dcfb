// The code of src/PerfKit.Streaming/README.md's quick start, compiled here so the docs cannot rot
// (a test checks that every C# block of the README stands in this file or StreamingRecordsQuickStart.cs).
using PerfKit.Streaming;

namespace PerfKit.Showcase;

internal static class StreamingQuickStart
{
    public static async Task RunAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), "perfkit-streaming-quickstart");
        Directory.CreateDirectory(Path.Combine(root, "2026"));
        File.WriteAllText(Path.Combine(root, "2026", "jan.csv"), "id,name\n1,Ada\n2,Linus\n");
        File.WriteAllText(Path.Combine(root, "2026", "feb.csv"), "id,name\n3,Grace\n");

        var source = new DirectorySource(new DirectorySourceOptions { Root = root, Include = { "*.csv" } });
        var options = new StreamingPipelineOptions
        {
            MaxDegreeOfParallelism = 4,
            MaxBytesInFlight = 64 * 1024 * 1024,
            CheckpointPath = Path.Combine(Path.GetTempPath(), "perfkit-streaming-quickstart.checkpoint.json"),
        };
        await using var pipeline = new StreamingPipeline<FileItem, long>(
            async (file, context) =>
            {
                long lines = 0;
                var buffer = new byte[64 * 1024];
                await using var stream = context.OpenRead();
                int read;
                while ((read = await stream.ReadAsync(buffer, context.CancellationToken)) > 0)
                {
                    lines += buffer.AsSpan(0, read).Count((byte)'\n');
                }

                context.AddRecords(lines);
                return lines;
            },
            (batch, cancellationToken) =>
            {
                foreach (var result in batch)
                {
                    Console.WriteLine($"{result.Item.RelativePath}: {result.Result} lines");
                }

                return ValueTask.CompletedTask;
            },
            options);

        var progress = new Progress<StreamingProgress>(p => Console.WriteLine($"{p.ItemsDone} files, {p.BytesDone} bytes, {p.Failures} failed"));
        StreamingReport report = await pipeline.RunAsync(source, progress);
        Console.WriteLine(report.ToJson());
    }
}
