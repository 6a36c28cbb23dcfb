using PerfKit.Streaming.Records;
using static PerfKit.Streaming.Tests.Records.RecordTestData;

namespace PerfKit.Streaming.Tests.Records;

public sealed class FileChunkerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<List<ReadRecord>> ReadChunksAsync(IReadOnlyList<FileChunk> chunks, RecordReaderOptions options)
    {
        var records = new List<ReadRecord>();
        foreach (var chunk in chunks)
        {
            await using var reader = RecordReader.OpenChunk(chunk, options);
            foreach (var record in await ReadAllAsync(reader, Ct))
            {
                // Numbers count within a chunk; renumber to compare with sequential reading.
                records.Add(record with { Number = records.Count + 1 });
            }
        }

        return records;
    }

    [Fact]
    public async Task Split_RandomContentAndChunkSizes_ChunkedReadingYieldsTheSequentialRecordsInOrder()
    {
        for (var seed = 0; seed < 400; seed++)
        {
            var random = new Random(seed);
            var data = RandomLines(random, 3000);
            var path = TempFile("data.txt", data);
            try
            {
                var chunkSize = random.Next(1, 400);
                var options = new RecordReaderOptions { BufferSize = random.Next(1, 200) };
                var chunks = FileChunker.Split(path, chunkSize, options, Ct);
                await using var sequential = RecordReader.OpenFile(path, options);

                (await ReadChunksAsync(chunks, options)).Should().Equal(await ReadAllAsync(sequential, Ct), "seed {0}, chunk size {1}", seed, chunkSize);
                chunks.Sum(c => c.Length).Should().Be(data.Length);
                chunks.Zip(chunks.Skip(1)).All(p => p.First.Offset + p.First.Length == p.Second.Offset).Should().BeTrue("seed {0}: chunks follow each other without gaps or overlaps", seed);
                chunks.Select(c => c.Index).Should().Equal(Enumerable.Range(0, chunks.Count));
                chunks.SkipLast(1).All(c => data[c.Offset + c.Length - 1] == (byte)'\n').Should().BeTrue("seed {0}: every chunk but the last ends just after a line end", seed);
            }
            finally
            {
                DeleteTempFile(path);
            }
        }
    }

    [Fact]
    public async Task Split_MultiByteDelimiter_ChunkedReadingYieldsTheSequentialRecords()
    {
        var options = new RecordReaderOptions { Framing = RecordFraming.Delimited, Delimiter = "<R>" };
        for (var seed = 0; seed < 100; seed++)
        {
            var random = new Random(seed);
            var text = string.Concat(Enumerable.Range(0, random.Next(0, 200)).Select(_ => random.Next(4) switch { 0 => "<R>", 1 => "<", 2 => "R>", _ => "x" }));
            var path = TempFile("data.txt", Bytes(text));
            try
            {
                var chunks = FileChunker.Split(path, random.Next(1, 50), options, Ct);
                await using var sequential = RecordReader.OpenFile(path, options);

                (await ReadChunksAsync(chunks, options)).Should().Equal(await ReadAllAsync(sequential, Ct), "seed {0}", seed);
            }
            finally
            {
                DeleteTempFile(path);
            }
        }
    }

    [Fact]
    public void Split_CrLfAtTheChunkEdge_IsNeverCut()
    {
        // The target edge (4) falls between '\r' and '\n': the chunk ends after the '\n'.
        var path = TempFile("crlf.txt", Bytes("abc\r\ndef\r\n"));
        try
        {
            FileChunker.Split(path, 4, cancellationToken: Ct).Select(c => (c.Offset, c.Length)).Should().Equal((0L, 5L), (5L, 5L));
        }
        finally
        {
            DeleteTempFile(path);
        }
    }

    [Fact]
    public async Task Split_RecordLongerThanAChunk_GrowsThatChunk()
    {
        var path = TempFile("long.txt", Bytes("a\n" + new string('x', 200_000) + "\nb\nc"));
        try
        {
            var chunks = FileChunker.Split(path, 3, cancellationToken: Ct);

            chunks.Select(c => (c.Offset, c.Length)).Should().Equal((0L, 200_003L), (200_003L, 3L));
            (await ReadChunksAsync(chunks, new RecordReaderOptions())).Select(r => r.Text.Length).Should().Equal(1, 200_000, 1, 1);
        }
        finally
        {
            DeleteTempFile(path);
        }
    }

    [Fact]
    public async Task OpenChunk_Errors_AreReportedAtFileOffsets()
    {
        var path = TempFile("bad.txt", Bytes("aaaa\nbbbb\ncc" + new string('x', 50) + "\n"));
        try
        {
            var chunks = FileChunker.Split(path, 6, cancellationToken: Ct);
            chunks.Should().HaveCount(2);
            await using var reader = RecordReader.OpenChunk(chunks[1], new RecordReaderOptions { MaxRecordLength = 10 });

            var act = () => ReadAllAsync(reader, Ct);

            (await act.Should().ThrowAsync<MalformedRecordException>()).Which.Should().Match<MalformedRecordException>(e => e.Kind == RecordErrorKind.RecordTooLong && e.ByteOffset == 10 && e.RecordNumber == 1);
        }
        finally
        {
            DeleteTempFile(path);
        }
    }

    [Fact]
    public void Split_EmptyFile_HasNoChunks()
    {
        var path = TempFile("empty.txt", []);
        try
        {
            FileChunker.Split(path, 10, cancellationToken: Ct).Should().BeEmpty();
        }
        finally
        {
            DeleteTempFile(path);
        }
    }

    [Fact]
    public void Split_FramingWithoutUnambiguousBoundaries_IsRejected()
    {
        var path = TempFile("x.bin", [1, 2, 3]);
        try
        {
            FluentActions.Invoking(() => FileChunker.Split(path, 1, new RecordReaderOptions { Framing = RecordFraming.LengthPrefixed }, Ct))
                .Should().Throw<ArgumentException>().WithMessage("*Length-prefixed*");
            FluentActions.Invoking(() => FileChunker.Split(path, 1, new RecordReaderOptions { Framing = RecordFraming.Delimited, Delimiter = "||" }, Ct))
                .Should().Throw<ArgumentException>().WithMessage("*overlap itself*");
            FluentActions.Invoking(() => FileChunker.Split(path, 0, cancellationToken: Ct)).Should().Throw<ArgumentOutOfRangeException>();
        }
        finally
        {
            DeleteTempFile(path);
        }
    }
}
