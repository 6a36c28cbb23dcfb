using System.Buffers;
using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using PerfKit.Streaming.Records;

namespace PerfKit.Benchmarks.Streaming;

/// <summary>
/// Line splitting of a warm file on one thread: count the lines and sum their lengths (so nothing is optimised away).
/// PerfKit's <see cref="RecordReader"/> over its own file reader and over the same stream pipe as the hand-written loop,
/// against <c>File.ReadLines</c>, <c>StreamReader.ReadLine</c> and a hand-written PipeReader + <c>IndexOf</c> loop with a
/// 64 KiB buffer. BenchmarkDotNet runs it with <see cref="SizeMiB"/> 256 (a 269 MB file); the regression guard with its default, 8 (9.0 MB).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class RecordsLineSplittingBenchmarks
{
    private const int BufferSize = 64 * 1024;
    private readonly RecordReaderOptions _options = new() { BufferSize = BufferSize };
    private string _path = "";

    [Params(256)]
    public int SizeMiB { get; set; } = 8;

    [GlobalSetup]
    public void Setup() => _path = RecordsBenchmarkFiles.Lines(SizeMiB);

    [Benchmark(Baseline = true)]
    public long FileReadLines()
    {
        long count = 0, length = 0;
        foreach (var line in File.ReadLines(_path))
        {
            count++;
            length += line.Length;
        }

        return count + length;
    }

    [Benchmark]
    public long StreamReaderReadLine()
    {
        long count = 0, length = 0;
        using var reader = new StreamReader(_path);
        while (reader.ReadLine() is { } line)
        {
            count++;
            length += line.Length;
        }

        return count + length;
    }

    /// <summary>What a careful engineer writes by hand: a 64 KiB stream pipe, <c>IndexOf</c> over each contiguous buffer, <c>PositionOf</c> across segments.</summary>
    [Benchmark]
    public async Task<long> HandWrittenPipeLoop()
    {
        await using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: BufferSize));
        long count = 0, length = 0;
        while (true)
        {
            var result = await reader.ReadAsync();
            var buffer = result.Buffer;
            while (!buffer.IsSingleSegment && buffer.PositionOf((byte)'\n') is { } end)
            {
                count++;
                length += buffer.Slice(0, end).Length;
                buffer = buffer.Slice(buffer.GetPosition(1, end));
            }

            if (buffer.IsSingleSegment)
            {
                var span = buffer.FirstSpan;
                var consumed = 0;
                int i;
                while ((i = span[consumed..].IndexOf((byte)'\n')) >= 0)
                {
                    count++;
                    length += i;
                    consumed += i + 1;
                }

                buffer = buffer.Slice(consumed);
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                if (!buffer.IsEmpty)
                {
                    count++;
                    length += buffer.Length;
                }

                break;
            }
        }

        await reader.CompleteAsync();
        return count + length;
    }

    /// <summary>PerfKit's line reader over its own file reader (<see cref="RecordReader.OpenFile"/>: one contiguous 64 KiB buffer, synchronous reads).</summary>
    [Benchmark]
    public async Task<long> PerfKitLineReader()
    {
        await using var reader = RecordReader.OpenFile(_path, _options);
        long count = 0, length = 0;
        while (await reader.ReadBatchAsync())
        {
            foreach (var line in reader.Current)
            {
                count++;
                length += line.Length;
            }
        }

        return count + length;
    }

    /// <summary>PerfKit's line reader over the very pipe of the hand-written loop: the cost of the abstraction alone.</summary>
    [Benchmark]
    public async Task<long> PerfKitOverStreamPipe()
    {
        var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        await using var reader = new RecordReader(PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: BufferSize)), _options);
        long count = 0, length = 0;
        while (await reader.ReadBatchAsync())
        {
            foreach (var line in reader.Current)
            {
                count++;
                length += line.Length;
            }
        }

        return count + length;
    }
}
