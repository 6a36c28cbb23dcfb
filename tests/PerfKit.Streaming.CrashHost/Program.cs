using System.Globalization;
using System.Text;
using System.Text.Json;
using PerfKit.Streaming;

// Usage: PerfKit.Streaming.CrashHost list <root>
// Walks <root> with a DirectorySource (default options) and prints one JSON line per item:
// {"path":"<relative path>","problem":<null or why the folder could not be listed>}. Exit code 0.
// The walk tests run it as an unprivileged user (setpriv) when they run as root, who lists a chmod 000 folder.
if (args is ["list", var listRoot])
{
    await using var stdout = Console.OpenStandardOutput();
    await foreach (var item in new DirectorySource(new DirectorySourceOptions { Root = listRoot }))
    {
        await using (var json = new Utf8JsonWriter(stdout))
        {
            json.WriteStartObject();
            json.WriteString("path", item.RelativePath);
            json.WriteString("problem", item.Problem);
            json.WriteEndObject();
        }

        stdout.WriteByte((byte)'\n');
    }

    return 0;
}

// Usage: PerfKit.Streaming.CrashHost <root> <checkpoint> <sink-file> <slow-after-items>
// Walks <root> with two workers and batches of 10, checkpointing after every batch. The sink appends one line per
// item (its idempotency key) to <sink-file> and flushes it to disk before returning; then it prints "sunk <total>".
// Once the sink has seen <slow-after-items> items, each batch waits 20 ms, so that a parent killing the process at
// that point finds it mid-run. Exit code 0 when the run completed.
var root = args[0];
var checkpoint = args[1];
var sinkPath = args[2];
var slowAfter = long.Parse(args[3], CultureInfo.InvariantCulture);

await using var sinkFile = new FileStream(sinkPath, FileMode.Append, FileAccess.Write, FileShare.Read);
long sunk = 0;
var options = new StreamingPipelineOptions
{
    MaxDegreeOfParallelism = 2,
    BatchSize = 10,
    MaxItemsInFlight = 32,
    CheckpointPath = checkpoint,
};
await using var pipeline = new StreamingPipeline<FileItem, int>(
    async (file, context) =>
    {
        var stream = context.OpenRead();
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[256];
            var total = 0;
            int read;
            while ((read = await stream.ReadAsync(buffer, context.CancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
            }

            return total;
        }
    },
    async (batch, cancellationToken) =>
    {
        var text = new StringBuilder();
        foreach (var result in batch)
        {
            text.Append(result.Item.IdempotencyKey).Append('\n');
        }

        await sinkFile.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), cancellationToken).ConfigureAwait(false);
        sinkFile.Flush(flushToDisk: true);
        sunk += batch.Count;
        Console.Out.WriteLine($"sunk {sunk}");
        Console.Out.Flush();
        if (sunk >= slowAfter)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    },
    options);

var report = await pipeline.RunAsync(new DirectorySource(new DirectorySourceOptions { Root = root }));
Console.Out.WriteLine($"done {report.ItemsSucceeded} skipped {report.ItemsSkipped} completed {report.Completed}");
return report.Completed ? 0 : 1;
