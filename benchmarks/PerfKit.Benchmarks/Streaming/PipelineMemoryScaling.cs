using System.Diagnostics;
using System.Globalization;
using PerfKit.Streaming;

namespace PerfKit.Benchmarks.Streaming;

/// <summary>
/// <c>--pipeline-memory &lt;files&gt; [pipeline|parallel] [folder]</c>: processes that many tiny files (in folders of
/// 1,000; generated once into the folder, or a temporary one) in this process and prints the peak working set, the
/// time and the throughput. Run it once per count and compare: a pipeline whose memory grew with the number of files
/// would show it here. <c>parallel</c> runs the hand-written peer (Parallel.ForEachAsync + File.ReadAllLinesAsync over
/// Directory.EnumerateFiles) instead.
/// </summary>
internal static class PipelineMemoryScaling
{
    public static async Task<int> RunAsync(string[] args)
    {
        var files = int.Parse(args[0], CultureInfo.InvariantCulture);
        var mode = args.Length > 1 ? args[1] : "pipeline";
        var root = args.Length > 2 ? args[2] : null;
        if (root is null || !Directory.Exists(root))
        {
            var started = Stopwatch.GetTimestamp();
            root = Generate(files, linesPerFile: 1, root);
            Console.WriteLine($"generated {files:N0} files in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s under {root}");
        }

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var baseline = process.WorkingSet64;
        var start = Stopwatch.GetTimestamp();
        long lines = 0, count = 0;
        if (mode == "parallel")
        {
            await Parallel.ForEachAsync(
                Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories),
                new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                async (path, ct) =>
                {
                    Interlocked.Add(ref lines, (await File.ReadAllLinesAsync(path, ct)).Length);
                    Interlocked.Increment(ref count);
                });
        }
        else
        {
            await using var pipeline = new StreamingPipeline<FileItem, long>(
                CountLinesAsync,
                (batch, _) =>
                {
                    foreach (var r in batch)
                    {
                        lines += r.Result;
                    }

                    count += batch.Count;
                    return ValueTask.CompletedTask;
                },
                new StreamingPipelineOptions { MaxDegreeOfParallelism = Environment.ProcessorCount });
            await pipeline.RunAsync(new DirectorySource(new DirectorySourceOptions { Root = root }));
        }

        var elapsed = Stopwatch.GetElapsedTime(start);
        process.Refresh();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{mode}: {count:N0} files, {lines:N0} lines in {elapsed.TotalSeconds:F2} s ({count / elapsed.TotalSeconds:N0} files/s); peak working set {process.PeakWorkingSet64 / (1024.0 * 1024):F1} MiB (at start {baseline / (1024.0 * 1024):F1} MiB)"));
        return 0;
    }

    public static string Generate(int files, int linesPerFile, string? root = null)
    {
        root ??= Path.Combine(Path.GetTempPath(), "perfkit-pipeline-" + Guid.NewGuid().ToString("N"));
        var content = string.Concat(Enumerable.Repeat("0123456789,abcdefghijklmnopqrstuvwxyz,0123456789\n", linesPerFile));
        for (var i = 0; i < files; i++)
        {
            var folder = Path.Combine(root, (i / 1000).ToString("D4", CultureInfo.InvariantCulture));
            if (i % 1000 == 0)
            {
                Directory.CreateDirectory(folder);
            }

            File.WriteAllText(Path.Combine(folder, i.ToString("D7", CultureInfo.InvariantCulture) + ".txt"), content);
        }

        return root;
    }

    public static async ValueTask<long> CountLinesAsync(FileItem file, StreamingItemContext context)
    {
        var buffer = new byte[4096];
        long lines = 0;
        var stream = context.OpenRead();
        await using (stream.ConfigureAwait(false))
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, context.CancellationToken).ConfigureAwait(false)) > 0)
            {
                lines += buffer.AsSpan(0, read).Count((byte)'\n');
            }
        }

        return lines;
    }
}
