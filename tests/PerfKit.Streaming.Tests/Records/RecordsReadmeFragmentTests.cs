using PerfKit.Streaming.Records;
using PerfKit.TestUtilities;
using static PerfKit.Streaming.Tests.Records.RecordTestData;

namespace PerfKit.Streaming.Tests.Records;

/// <summary>The C# blocks of src/PerfKit.Streaming/README.records-fragment.md stand here, line for line, and run.</summary>
public sealed class RecordsReadmeFragmentTests
{
    [Fact]
    public void FragmentBlocks_AreCompiledHere() =>
        DocumentationSnippets.AssertReadmeBlocksAreCompiled("src/PerfKit.Streaming/README.records-fragment.md", "tests/PerfKit.Streaming.Tests/Records/RecordsReadmeFragmentTests.cs");

    [Fact]
    public async Task Blocks_Run()
    {
        var path = TempFile("readme.txt", Bytes("one\r\ntwo\n" + new string('x', 2000) + "\nthree"));
        var cancellationToken = TestContext.Current.CancellationToken;
        try
        {
            (await ReadLinesAsync(path, cancellationToken)).Should().Be((4, 2011));
            (await CountInChunksAsync(path, cancellationToken)).Should().Be(4);
            (await SkipOverLongAsync(path, cancellationToken)).Should().Be((3, 1));
        }
        finally
        {
            DeleteTempFile(path);
        }
    }

    private static async Task<(long Lines, long Bytes)> ReadLinesAsync(string path, CancellationToken cancellationToken)
    {
        // README: lines
        var options = new RecordReaderOptions { MaxRecordLength = 64 * 1024, ValidateUtf8 = true };
        long lines = 0, bytes = 0;
        await using (var reader = RecordReader.OpenFile(path, options))
        {
            while (await reader.ReadBatchAsync(cancellationToken))
            {
                foreach (var line in reader.Current)
                {
                    lines++;
                    bytes += line.Length;
                }
            }
        }

        return (lines, bytes);
    }

    private static async Task<long> CountInChunksAsync(string path, CancellationToken cancellationToken)
    {
        // README: chunks
        var chunks = FileChunker.Split(path, chunkSize: 64L << 20, cancellationToken: cancellationToken);
        long total = 0;
        await Parallel.ForEachAsync(chunks, cancellationToken, async (chunk, token) =>
        {
            await using var reader = RecordReader.OpenChunk(chunk, new RecordReaderOptions());
            long count = 0;
            while (await reader.ReadBatchAsync(token))
            {
                var batch = reader.Current;
                while (batch.MoveNext())
                {
                    count++; // batch.Current, batch.CurrentOffset (from the start of the file), batch.CurrentNumber
                }
            }

            Interlocked.Add(ref total, count);
        });

        return total;
    }

    private static async Task<(long Lines, long Skipped)> SkipOverLongAsync(string path, CancellationToken cancellationToken)
    {
        long lines = 0;

        // README: skip
        var lenient = new RecordReaderOptions { MaxRecordLength = 1024, MalformedRecords = MalformedRecordAction.Skip };
        await using var reader = RecordReader.OpenFile(path, lenient);
        reader.RecordSkipped = e => Console.WriteLine($"{path}: {e.Kind} at byte {e.ByteOffset}, record {e.RecordNumber}");
        while (await reader.ReadBatchAsync(cancellationToken))
        {
            foreach (var line in reader.Current.AsText())
            {
                lines++; // line is a ReadOnlySpan<char>
            }
        }

        return (lines, reader.SkippedRecords);
    }
}
