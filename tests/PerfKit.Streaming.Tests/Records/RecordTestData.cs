using System.Buffers;
using System.IO.Pipelines;
using PerfKit.Streaming.Records;

namespace PerfKit.Streaming.Tests.Records;

/// <summary>A record as the tests compare it: its bytes, its byte position and its number.</summary>
internal sealed record ReadRecord(string Text, long Offset, long Number)
{
    public override string ToString() => $"#{Number}@{Offset}:{Text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}";
}

/// <summary>Inputs and readers for the record tests: pipes fed in pieces, a reference splitter, temporary files.</summary>
internal static class RecordTestData
{
    /// <summary>Latin-1, so that every byte maps to one char and back (the tests feed arbitrary bytes).</summary>
    public static string Text(ReadOnlySpan<byte> bytes) => System.Text.Encoding.Latin1.GetString(bytes);

    public static byte[] Bytes(string text) => System.Text.Encoding.Latin1.GetBytes(text);

    /// <summary>The obvious line splitter: records end at '\n', a '\r' before it is dropped, a final line without '\n' counts.</summary>
    public static List<ReadRecord> ReferenceLines(byte[] data, long baseOffset = 0)
    {
        var records = new List<ReadRecord>();
        var start = 0;
        for (var i = 0; i < data.Length; i++)
        {
            if (data[i] == (byte)'\n')
            {
                var end = i > start && data[i - 1] == (byte)'\r' ? i - 1 : i;
                records.Add(new ReadRecord(Text(data.AsSpan(start, end - start)), baseOffset + start, records.Count + 1));
                start = i + 1;
            }
        }

        if (start < data.Length)
        {
            records.Add(new ReadRecord(Text(data.AsSpan(start)), baseOffset + start, records.Count + 1));
        }

        return records;
    }

    /// <summary>Every record of the reader, through the byte batches.</summary>
    public static async Task<List<ReadRecord>> ReadAllAsync(RecordReader reader, CancellationToken cancellationToken = default)
    {
        var records = new List<ReadRecord>();
        while (await reader.ReadBatchAsync(cancellationToken))
        {
            var batch = reader.Current;
            while (batch.MoveNext())
            {
                records.Add(new ReadRecord(Text(batch.Current), batch.CurrentOffset, batch.CurrentNumber));
            }
        }

        return records;
    }

    /// <summary>
    /// A pipe holding <paramref name="data"/> already written in pieces of the given sizes, each piece its own segment
    /// (a pool that hands out exactly the size asked for), and completed: the reader sees a multi-segment buffer.
    /// </summary>
    public static PipeReader Segmented(byte[] data, Func<int> pieceSize)
    {
        var pipe = new Pipe(new PipeOptions(pool: new ExactPool(), minimumSegmentSize: 1, pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));
        for (var i = 0; i < data.Length;)
        {
            var n = Math.Min(Math.Max(1, pieceSize()), data.Length - i);
            data.AsSpan(i, n).CopyTo(pipe.Writer.GetSpan(n));
            pipe.Writer.Advance(n);
            i += n;
        }

        pipe.Writer.Complete();
        return pipe.Reader;
    }

    /// <summary>A pipe fed by a concurrent writer in pieces of the given sizes, flushing after each: the reader sees the data arrive in steps.</summary>
    public static (PipeReader Reader, Task Writing) Streamed(byte[] data, Func<int> pieceSize)
    {
        var pipe = new Pipe(new PipeOptions(pool: new ExactPool(), minimumSegmentSize: 1, pauseWriterThreshold: 256, resumeWriterThreshold: 128, useSynchronizationContext: false));
        var sizes = new List<int>();
        for (var i = 0; i < data.Length;)
        {
            var n = Math.Min(Math.Max(1, pieceSize()), data.Length - i);
            sizes.Add(n);
            i += n;
        }

        var writing = Task.Run(async () =>
        {
            var i = 0;
            foreach (var n in sizes)
            {
                data.AsSpan(i, n).CopyTo(pipe.Writer.GetSpan(n));
                pipe.Writer.Advance(n);
                i += n;
                var flush = await pipe.Writer.FlushAsync();
                if (flush.IsCompleted)
                {
                    break;
                }
            }

            await pipe.Writer.CompleteAsync();
        });
        return (pipe.Reader, writing);
    }

    /// <summary>Random content of lines: short and empty lines, '\n' and '\r\n' ends, lone '\r', no final newline sometimes.</summary>
    public static byte[] RandomLines(Random random, int maxLength)
    {
        var length = random.Next(maxLength + 1);
        var data = new byte[length];
        for (var i = 0; i < length; i++)
        {
            data[i] = random.Next(10) switch
            {
                0 => (byte)'\n',
                1 => (byte)'\r',
                _ => (byte)('a' + random.Next(26)),
            };
        }

        return data;
    }

    public static string TempFile(string name, byte[] content)
    {
        var folder = Path.Combine(Path.GetTempPath(), "perfkit-records-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    public static void DeleteTempFile(string path)
    {
        var folder = Path.GetDirectoryName(path)!;
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Hands out exactly the size asked for, so that each write of the tests is a segment of its own.</summary>
    private sealed class ExactPool : MemoryPool<byte>
    {
        public override int MaxBufferSize => int.MaxValue;

        public override IMemoryOwner<byte> Rent(int minBufferSize = -1) => new Owner(new byte[Math.Max(1, minBufferSize)]);

        protected override void Dispose(bool disposing)
        {
        }

        private sealed class Owner(byte[] array) : IMemoryOwner<byte>
        {
            public Memory<byte> Memory => array;

            public void Dispose()
            {
            }
        }
    }
}
