using BenchmarkDotNet.Attributes;
using PerfKit.Streaming;

namespace PerfKit.Benchmarks.Streaming;

/// <summary>
/// 10,000 small files (about 1 KiB, 20 lines each, in folders of 100), every line counted: PerfKit's pipeline over a
/// <see cref="DirectorySource"/> against the usual hand-written code, <see cref="Parallel.ForEachAsync{TSource}(IEnumerable{TSource}, Func{TSource, CancellationToken, ValueTask})"/>
/// over <see cref="Directory.EnumerateFiles(string, string, SearchOption)"/> with <see cref="File.ReadAllLinesAsync(string, CancellationToken)"/>.
/// Same degree of parallelism for both. Peak working set is measured out of process by <c>--pipeline-memory</c>.
/// </summary>
[MemoryDiagnoser]
public class PipelineFilesBenchmarks
{
    private const int Files = 10_000;
    private string _root = string.Empty;

    [GlobalSetup]
    public void Setup() => _root = PipelineMemoryScaling.Generate(Files, linesPerFile: 20);

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    [Benchmark(Baseline = true)]
    public async Task<long> ParallelForEachReadAllLines()
    {
        long lines = 0;
        await Parallel.ForEachAsync(
            Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories),
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            async (path, ct) => Interlocked.Add(ref lines, (await File.ReadAllLinesAsync(path, ct)).Length));
        return lines;
    }

    [Benchmark]
    public async Task<long> StreamingPipeline()
    {
        long lines = 0;
        await using var pipeline = new StreamingPipeline<FileItem, long>(
            PipelineMemoryScaling.CountLinesAsync,
            (batch, _) =>
            {
                foreach (var r in batch)
                {
                    lines += r.Result;
                }

                return ValueTask.CompletedTask;
            },
            new StreamingPipelineOptions { MaxDegreeOfParallelism = Environment.ProcessorCount });
        await pipeline.RunAsync(new DirectorySource(new DirectorySourceOptions { Root = _root }));
        return lines;
    }
}
