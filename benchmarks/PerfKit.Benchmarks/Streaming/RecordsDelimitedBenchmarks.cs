using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using nietras.SeparatedValues;
using PerfKit.Streaming.Records;

namespace PerfKit.Benchmarks.Streaming;

/// <summary>
/// Delimited records of a warm CSV-ish file (six columns, no quotes) against Sep, on one thread: rows (count and
/// length), and fields (count and length of every comma-separated field: Sep's columns; for PerfKit, records from the
/// line reader split by the caller with <c>IndexOf(',')</c>, as PerfKit has no column API). Sep runs with
/// <c>HasHeader = false</c> and <c>DisableQuotesParsing = true</c>, its fastest documented setting and PerfKit's
/// semantics (PerfKit does not parse quotes). Sep decodes UTF-8 to chars; PerfKit hands over bytes.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class RecordsDelimitedBenchmarks
{
    private readonly RecordReaderOptions _options = new() { Framing = RecordFraming.Delimited, Delimiter = "\n" };
    private string _path = "";

    [Params(256)]
    public int SizeMiB { get; set; } = 8;

    [GlobalSetup]
    public void Setup() => _path = RecordsBenchmarkFiles.Csv(SizeMiB);

    [Benchmark(Baseline = true)]
    public long SepRows()
    {
        long count = 0, length = 0;
        using var reader = Sep.Reader(o => o with { HasHeader = false, DisableQuotesParsing = true }).FromFile(_path);
        foreach (var row in reader)
        {
            count++;
            length += row.Span.Length;
        }

        return count + length;
    }

    [Benchmark]
    public long SepFields()
    {
        long count = 0, length = 0;
        using var reader = Sep.Reader(o => o with { HasHeader = false, DisableQuotesParsing = true }).FromFile(_path);
        foreach (var row in reader)
        {
            for (var i = 0; i < row.ColCount; i++)
            {
                length += row[i].Span.Length;
            }

            count += row.ColCount;
        }

        return count + length;
    }

    [Benchmark]
    public async Task<long> PerfKitRows()
    {
        await using var reader = RecordReader.OpenFile(_path, _options);
        long count = 0, length = 0;
        while (await reader.ReadBatchAsync())
        {
            foreach (var record in reader.Current)
            {
                count++;
                length += record.Length;
            }
        }

        return count + length;
    }

    [Benchmark]
    public async Task<long> PerfKitFields()
    {
        await using var reader = RecordReader.OpenFile(_path, _options);
        long count = 0, length = 0;
        while (await reader.ReadBatchAsync())
        {
            foreach (var record in reader.Current)
            {
                var rest = record;
                int i;
                while ((i = rest.IndexOf((byte)',')) >= 0)
                {
                    count++;
                    length += i;
                    rest = rest[(i + 1)..];
                }

                count++;
                length += rest.Length;
            }
        }

        return count + length;
    }
}
