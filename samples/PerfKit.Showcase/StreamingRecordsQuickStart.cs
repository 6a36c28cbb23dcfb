// The code of src/PerfKit.Streaming/README.md's Record readers section, compiled here so the docs cannot rot
// (a test checks that every C# block of the README stands in this file or StreamingQuickStart.cs, and runs this one).
using PerfKit.Streaming.Records;

namespace PerfKit.Showcase;

internal static class StreamingRecordsQuickStart
{
    /// <summary>Runs the section's blocks in order; returns what they counted, for the test, and deletes the file.</summary>
    public static async Task<(long Lines, long Bytes, long Kept, long Skipped, long Total)> RunAsync()
    {
        // A file to read (your own in practice): four lines, one 2,000 bytes long, one ending in \r\n.
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "one\r\ntwo\n" + new string('x', 2000) + "\nthree");
        var cancellationToken = CancellationToken.None;

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

        Console.WriteLine($"{lines} lines, {bytes} bytes");

        var lenient = new RecordReaderOptions { MaxRecordLength = 1024, MalformedRecords = MalformedRecordAction.Skip };
        long kept = 0, skipped = 0;
        await using (var reader = RecordReader.OpenFile(path, lenient))
        {
            reader.RecordSkipped = e => Console.WriteLine($"{path}: {e.Kind} at byte {e.ByteOffset}, record {e.RecordNumber}");
            while (await reader.ReadBatchAsync(cancellationToken))
            {
                foreach (var line in reader.Current.AsText())
                {
                    kept++; // line is a ReadOnlySpan<char>
                }
            }

            skipped = reader.SkippedRecords;
        }

        Console.WriteLine($"{kept} lines kept, {skipped} skipped");

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

        Console.WriteLine($"{total} lines in {chunks.Count} chunk(s)");

        File.Delete(path);
        return (lines, bytes, kept, skipped, total);
    }
}
