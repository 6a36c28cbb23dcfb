using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.Extensions.Logging;
using PerfKit.Streaming.Records;
using static PerfKit.Streaming.Tests.Records.RecordTestData;

namespace PerfKit.Streaming.Tests.Records;

public sealed class RecordReaderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<List<ReadRecord>> ReadAsync(byte[] data, RecordReaderOptions? options = null, Func<int>? pieces = null)
    {
        await using var reader = new RecordReader(pieces is null ? PipeReader.Create(new ReadOnlySequence<byte>(data)) : Segmented(data, pieces), options ?? new RecordReaderOptions());
        return await ReadAllAsync(reader, Ct);
    }

    private static async Task<List<string>> TextsAsync(string data, RecordReaderOptions? options = null, Func<int>? pieces = null) =>
        [.. (await ReadAsync(Bytes(data), options, pieces)).Select(r => r.Text)];

    [Theory]
    [InlineData("a\nb\n", new[] { "a", "b" })]
    [InlineData("a\r\nb\r\n", new[] { "a", "b" })]
    [InlineData("a\r\nb\nc", new[] { "a", "b", "c" })]
    [InlineData("", new string[0])]
    [InlineData("\n", new[] { "" })]
    [InlineData("\n\r\n\n", new[] { "", "", "" })]
    [InlineData("a\rb\n", new[] { "a\rb" })]
    [InlineData("a\r", new[] { "a\r" })]
    [InlineData("\r", new[] { "\r" })]
    [InlineData("a\r\r\n", new[] { "a\r" })]
    [InlineData("last line", new[] { "last line" })]
    public async Task Lines_EdgeCases_SplitLikeTheReference(string input, string[] expected)
    {
        (await TextsAsync(input)).Should().Equal(expected);
        (await TextsAsync(input, pieces: () => 1)).Should().Equal(expected, "one byte per segment");
        ReferenceLines(Bytes(input)).Select(r => r.Text).Should().Equal(expected, "the reference agrees");
    }

    [Fact]
    public async Task Lines_OffsetsAndNumbers_AreThoseOfEachRecordsFirstByte()
    {
        var records = await ReadAsync(Bytes("ab\r\n\ncde\nf"));

        records.Should().Equal(new ReadRecord("ab", 0, 1), new ReadRecord("", 4, 2), new ReadRecord("cde", 5, 3), new ReadRecord("f", 9, 4));
    }

    [Fact]
    public async Task Lines_SplitAcrossSegmentsOfRandomSizes_MatchTheReference()
    {
        for (var seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            var data = RandomLines(random, 400);
            var expected = ReferenceLines(data);

            (await ReadAsync(data, pieces: () => 1)).Should().Equal(expected, "seed {0}, one byte per segment", seed);
            (await ReadAsync(data, pieces: () => random.Next(1, 12))).Should().Equal(expected, "seed {0}, random segments", seed);
        }
    }

    [Fact]
    public async Task Lines_FromAConcurrentWriterInSmallSteps_MatchTheReference()
    {
        for (var seed = 0; seed < 100; seed++)
        {
            var random = new Random(seed);
            var data = RandomLines(random, 2000);
            var (input, writing) = Streamed(data, () => random.Next(1, 40));
            await using var reader = new RecordReader(input, new RecordReaderOptions());

            (await ReadAllAsync(reader, Ct)).Should().Equal(ReferenceLines(data), "seed {0}", seed);
            await writing;
        }
    }

    [Theory]
    [InlineData("|", "a|b||c", new[] { "a", "b", "", "c" })]
    [InlineData("|", "a|b|", new[] { "a", "b" })]
    [InlineData("<EOR>", "one<EOR>two<EOR><EOR>three", new[] { "one", "two", "", "three" })]
    [InlineData("<EOR>", "x<EO", new[] { "x<EO" })]
    [InlineData("\r\n", "a\rb\r\nc\n\r\n", new[] { "a\rb", "c\n" })]
    [InlineData("||", "a|||b", new[] { "a", "|b" })]
    public async Task Delimited_SingleAndMultiByteDelimiters_SplitOnEachOccurrence(string delimiter, string input, string[] expected)
    {
        var options = new RecordReaderOptions { Framing = RecordFraming.Delimited, Delimiter = delimiter };

        (await TextsAsync(input, options)).Should().Equal(expected);
        (await TextsAsync(input, options, () => 1)).Should().Equal(expected, "one byte per segment: delimiters cut across segments");
        (await TextsAsync(input, options, () => 2)).Should().Equal(expected, "two bytes per segment");
    }

    [Fact]
    public async Task Delimited_RecordOffsets_CountTheDelimiters()
    {
        var records = await ReadAsync(Bytes("ab<EOR>c<EOR>"), new RecordReaderOptions { Framing = RecordFraming.Delimited, Delimiter = "<EOR>" }, () => 3);

        records.Should().Equal(new ReadRecord("ab", 0, 1), new ReadRecord("c", 7, 2));
    }

    private static byte[] Frames(bool bigEndian, params string[] payloads)
    {
        var output = new MemoryStream();
        foreach (var payload in payloads)
        {
            var bytes = Bytes(payload);
            var prefix = new byte[4];
            if (bigEndian)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(prefix, bytes.Length);
            }
            else
            {
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(prefix, bytes.Length);
            }

            output.Write(prefix);
            output.Write(bytes);
        }

        return output.ToArray();
    }

    [Theory]
    [InlineData(LengthPrefixFormat.Int32LittleEndian)]
    [InlineData(LengthPrefixFormat.Int32BigEndian)]
    public async Task Frames_BothByteOrders_HandOverEachPayloadAtItsOffset(LengthPrefixFormat format)
    {
        var data = Frames(format == LengthPrefixFormat.Int32BigEndian, "hello", "", "a\nb");
        var options = new RecordReaderOptions { Framing = RecordFraming.LengthPrefixed, LengthPrefix = format };
        var expected = new[] { new ReadRecord("hello", 4, 1), new ReadRecord("", 13, 2), new ReadRecord("a\nb", 17, 3) };

        (await ReadAsync(data, options)).Should().Equal(expected);
        (await ReadAsync(data, options, () => 1)).Should().Equal(expected, "one byte per segment");
        (await ReadAsync(data, options, () => 3)).Should().Equal(expected, "three bytes per segment");
    }

    [Theory]
    [InlineData(2)] // half a prefix
    [InlineData(4 + 5 + 4 + 3)] // a payload cut off
    public async Task Frames_CutOffByTheEnd_AreTruncatedAtTheFramesFirstByte(int keep)
    {
        var data = Frames(false, "hello", "world")[..keep];
        var options = new RecordReaderOptions { Framing = RecordFraming.LengthPrefixed };

        var act = () => ReadAsync(data, options, () => 2);

        var error = (await act.Should().ThrowAsync<MalformedRecordException>()).Which;
        error.Kind.Should().Be(keep < 4 ? RecordErrorKind.Truncated : RecordErrorKind.Truncated);
        error.ByteOffset.Should().Be(keep < 4 ? 0 : 9);
        error.RecordNumber.Should().Be(keep < 4 ? 1 : 2);
    }

    [Fact]
    public async Task Frames_NegativeLength_IsTruncated()
    {
        var data = Frames(false, "ok").Concat(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }).ToArray();

        var act = () => ReadAsync(data, new RecordReaderOptions { Framing = RecordFraming.LengthPrefixed });

        (await act.Should().ThrowAsync<MalformedRecordException>()).Which.Should().Match<MalformedRecordException>(e => e.Kind == RecordErrorKind.Truncated && e.ByteOffset == 6 && e.RecordNumber == 2);
    }

    [Fact]
    public async Task Frames_TooLong_ThrowsOrIsSkippedWithoutBufferingIt()
    {
        var data = Frames(false, "a", new string('x', 5000), "b");
        var throwing = new RecordReaderOptions { Framing = RecordFraming.LengthPrefixed, MaxRecordLength = 100 };
        var skipping = new RecordReaderOptions { Framing = RecordFraming.LengthPrefixed, MaxRecordLength = 100, MalformedRecords = MalformedRecordAction.Skip };

        var act = () => ReadAsync(data, throwing);
        (await act.Should().ThrowAsync<MalformedRecordException>()).Which.Should().Match<MalformedRecordException>(e => e.Kind == RecordErrorKind.RecordTooLong && e.ByteOffset == 5 && e.RecordNumber == 2);
        (await ReadAsync(data, skipping)).Should().Equal(new ReadRecord("a", 4, 1), new ReadRecord("b", 5 + 4 + 5000 + 4, 3));
        (await ReadAsync(data, skipping, () => 7)).Should().Equal(new ReadRecord("a", 4, 1), new ReadRecord("b", 5 + 4 + 5000 + 4, 3));
    }

    [Fact]
    public async Task MaxRecordLength_CompleteLineTooLong_ThrowsRecordTooLongWithItsOffsetAndNumber()
    {
        var data = Bytes("ok\n" + new string('x', 11) + "\r\nok\n");
        var options = new RecordReaderOptions { MaxRecordLength = 10 };

        var act = () => ReadAsync(data, options);

        (await act.Should().ThrowAsync<MalformedRecordException>()).Which.Should().Match<MalformedRecordException>(e => e.Kind == RecordErrorKind.RecordTooLong && e.ByteOffset == 3 && e.RecordNumber == 2);
        (await TextsAsync("0123456789\r\n", options)).Should().Equal(["0123456789"], "the limit is on the record, not on its line end");
    }

    [Fact]
    public async Task MaxRecordLength_LineWithoutEndLongerThanTheLimit_IsReportedBeforeItEnds()
    {
        // A writer that never ends the line: the reader must fail once the limit is passed, not buffer forever.
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Encoding.ASCII.GetBytes("ok\n" + new string('x', 500)), Ct);
        await using var reader = new RecordReader(pipe.Reader, new RecordReaderOptions { MaxRecordLength = 100 });

        var act = () => ReadAllAsync(reader, Ct);

        (await act.Should().ThrowAsync<MalformedRecordException>()).Which.Should().Match<MalformedRecordException>(e => e.Kind == RecordErrorKind.RecordTooLong && e.ByteOffset == 3 && e.RecordNumber == 2);
    }

    [Fact]
    public async Task MaxRecordLength_SkipMode_SkipsOverLongRecordsReportsThemAndGoesOn()
    {
        var data = Bytes("ok\n" + new string('x', 5000) + "\nnext\n" + new string('y', 101) + "\r\nlast");
        var options = new RecordReaderOptions { MaxRecordLength = 100, MalformedRecords = MalformedRecordAction.Skip };
        var expected = new[] { new ReadRecord("ok", 0, 1), new ReadRecord("next", 5004, 3), new ReadRecord("last", 5112, 5) };

        foreach (var pieces in new Func<int>?[] { null, () => 1, () => 64 })
        {
            var skipped = new List<(RecordErrorKind, long, long)>();
            await using var reader = new RecordReader(pieces is null ? PipeReader.Create(new ReadOnlySequence<byte>(data)) : Segmented(data, pieces), options);
            reader.RecordSkipped = e => skipped.Add((e.Kind, e.ByteOffset, e.RecordNumber));

            (await ReadAllAsync(reader, Ct)).Should().Equal(expected);
            skipped.Should().Equal((RecordErrorKind.RecordTooLong, 3L, 2L), (RecordErrorKind.RecordTooLong, 5009L, 4L));
            reader.SkippedRecords.Should().Be(2);
        }
    }

    [Fact]
    public async Task ValidateUtf8_InvalidByte_IsReportedAtItsExactBytePosition()
    {
        // "é" is two bytes; the lone continuation byte 0x80 is at byte 3 + 2 + 1 = 6.
        var data = "ok\n"u8.ToArray().Concat("é"u8.ToArray()).Concat(new byte[] { (byte)'a', 0x80, (byte)'b', (byte)'\n' }).ToArray();

        var act = () => ReadAsync(data, new RecordReaderOptions { ValidateUtf8 = true }, () => 1);

        (await act.Should().ThrowAsync<MalformedRecordException>()).Which.Should().Match<MalformedRecordException>(e => e.Kind == RecordErrorKind.InvalidUtf8 && e.ByteOffset == 6 && e.RecordNumber == 2);
        (await ReadAsync(data)).Should().HaveCount(2, "without ValidateUtf8 the bytes are handed over as they are");
    }

    [Fact]
    public async Task AsText_DecodesUtf8AndReportsInvalidBytesByPosition()
    {
        var good = "héllo\r\nwörld\n"u8.ToArray();
        var bad = "ab\n€"u8.ToArray().Concat(new byte[] { 0xE2, 0x82, (byte)'\n' }).ToArray(); // "€" is 3 bytes (at 3); the cut sequence starts at byte 6

        (await DecodeAsync(good, () => 1)).Should().Equal("héllo", "wörld");
        var act = () => DecodeAsync(bad, () => 2);
        (await act.Should().ThrowAsync<MalformedRecordException>()).Which.Should().Match<MalformedRecordException>(e => e.Kind == RecordErrorKind.InvalidUtf8 && e.ByteOffset == 6 && e.RecordNumber == 2);

        static async Task<List<string>> DecodeAsync(byte[] data, Func<int> pieces)
        {
            await using var reader = new RecordReader(Segmented(data, pieces), new RecordReaderOptions());
            var texts = new List<string>();
            while (await reader.ReadBatchAsync(Ct))
            {
                foreach (var line in reader.Current.AsText())
                {
                    texts.Add(line.ToString());
                }
            }

            return texts;
        }
    }

    [Fact]
    public async Task ValidateUtf8_SkipMode_SkipsTheInvalidRecord()
    {
        var data = new byte[] { (byte)'a', (byte)'\n', 0xC0, (byte)'\n', (byte)'b' };
        var options = new RecordReaderOptions { ValidateUtf8 = true, MalformedRecords = MalformedRecordAction.Skip };

        (await ReadAsync(data, options)).Should().Equal(new ReadRecord("a", 0, 1), new ReadRecord("b", 4, 3));
    }

    [Fact]
    public async Task ReadBatchAsync_BatchLeftUnfinished_HandsTheRestOverAgain()
    {
        await using var reader = new RecordReader(PipeReader.Create(new ReadOnlySequence<byte>(Bytes("a\nb\nc\n"))), new RecordReaderOptions());
        var seen = new List<string>();
        while (await reader.ReadBatchAsync(Ct))
        {
            var batch = reader.Current;
            if (batch.MoveNext())
            {
                seen.Add(Text(batch.Current));
            }
        }

        seen.Should().Equal("a", "b", "c");
    }

    [Fact]
    public void DefaultBatch_HasNoRecords()
    {
        var batch = default(RecordBatch);
        var text = default(TextRecordBatch);

        batch.MoveNext().Should().BeFalse();
        text.MoveNext().Should().BeFalse();
    }

    [Fact]
    public async Task ReadBatchAsync_Cancelled_ThrowsOperationCanceled()
    {
        var pipe = new Pipe();
        await using var reader = new RecordReader(pipe.Reader, new RecordReaderOptions());
        using var cancellation = new CancellationTokenSource();

        var read = reader.ReadBatchAsync(cancellation.Token);
        read.IsCompleted.Should().BeFalse("no data has been written");
        await cancellation.CancelAsync();

        await FluentActions.Awaiting(async () => await read).Should().ThrowAsync<OperationCanceledException>();
        await pipe.Writer.CompleteAsync();
    }

    [Fact]
    public async Task OpenFile_CancelledToken_ThrowsOperationCanceled()
    {
        var path = TempFile("lines.txt", Bytes("a\nb\n"));
        try
        {
            await using var reader = RecordReader.OpenFile(path, new RecordReaderOptions());
            using var cancellation = new CancellationTokenSource();
            await cancellation.CancelAsync();

            await FluentActions.Awaiting(async () => await reader.ReadBatchAsync(cancellation.Token)).Should().ThrowAsync<OperationCanceledException>();
        }
        finally
        {
            DeleteTempFile(path);
        }
    }

    [Fact]
    public async Task CancelPendingRead_EndsTheWaitWithOperationCanceled()
    {
        var pipe = new Pipe();
        await using var reader = new RecordReader(pipe.Reader, new RecordReaderOptions());

        var read = reader.ReadBatchAsync(Ct);
        pipe.Reader.CancelPendingRead();

        await FluentActions.Awaiting(async () => await read).Should().ThrowAsync<OperationCanceledException>();
        await pipe.Writer.CompleteAsync();
    }

    [Fact]
    public async Task Dispose_CompletesThePipeReaderAndIsIdempotent()
    {
        var pipe = new Pipe();
        var reader = new RecordReader(pipe.Reader, new RecordReaderOptions());

        reader.Dispose();
        await reader.DisposeAsync();

        var flush = await pipe.Writer.WriteAsync(new byte[] { 1 }, Ct);
        flush.IsCompleted.Should().BeTrue("the reader side is complete");
        await FluentActions.Awaiting(async () => await reader.ReadBatchAsync(Ct)).Should().ThrowAsync<ObjectDisposedException>();
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsNamingTheOption()
    {
        var act = () => new RecordReader(PipeReader.Create(ReadOnlySequence<byte>.Empty), new RecordReaderOptions { MaxRecordLength = 0 });

        act.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().WithMessage("*RecordReaderOptions.MaxRecordLength*it is 0*");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(RecordReaderOptions.DefaultBufferSize)]
    public async Task OpenFile_AnyBufferSize_ReadsTheRecordsOfTheFile(int bufferSize)
    {
        var data = RandomLines(new Random(bufferSize), 50_000);
        var path = TempFile("lines.txt", data);
        try
        {
            await using var reader = RecordReader.OpenFile(path, new RecordReaderOptions { BufferSize = bufferSize });

            (await ReadAllAsync(reader, Ct)).Should().Equal(ReferenceLines(data));
        }
        finally
        {
            DeleteTempFile(path);
        }
    }

    [Fact]
    public async Task OpenFile_LineLongerThanTheBuffer_GrowsTheBuffer()
    {
        var data = Bytes("short\n" + new string('z', 200_000) + "\r\nend");
        var path = TempFile("long.txt", data);
        try
        {
            await using var reader = RecordReader.OpenFile(path, new RecordReaderOptions { BufferSize = 4096 });

            (await ReadAllAsync(reader, Ct)).Select(r => r.Text.Length).Should().Equal(5, 200_000, 3);
        }
        finally
        {
            DeleteTempFile(path);
        }
    }

    [Fact]
    public async Task Stream_ThroughRecordFile_ReadsItsRecords()
    {
        var data = RandomLines(new Random(3), 100_000);
        using var stream = new MemoryStream(data);
        await using var reader = new RecordReader(RecordFile.OpenPipeReader(stream, bufferSize: 1000, leaveOpen: true), new RecordReaderOptions());

        (await ReadAllAsync(reader, Ct)).Should().Equal(ReferenceLines(data));
    }

    [Fact]
    public async Task Lines_TenThousandInMemory_AllocateNothingPerRecord()
    {
        var data = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 10_000).Select(i => $"line number {i}\n")));
        await CountAsync(data); // JIT and tiering out of the measurement

        var before = GC.GetAllocatedBytesForCurrentThread();
        var (count, length) = await CountAsync(data);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        count.Should().Be(10_000);
        length.Should().BeGreaterThan(0);
        allocated.Should().BeLessThan(2_000, "the reader, its logger and the pipe are per input; nothing is per record (10,000 records)");

        static async Task<(long Count, long Length)> CountAsync(byte[] data)
        {
            await using var reader = new RecordReader(PipeReader.Create(new ReadOnlySequence<byte>(data)), new RecordReaderOptions());
            long count = 0, length = 0;
            while (await reader.ReadBatchAsync())
            {
                foreach (var line in reader.Current)
                {
                    count++;
                    length += line.Length;
                }
            }

            return (count, length);
        }
    }

    [Fact]
    public async Task SkippedRecord_IsLoggedWithEvent3500()
    {
        using var factory = new CapturingLoggerFactory();
        var data = Bytes("a\n" + new string('x', 50) + "\nb\n");
        await using var reader = new RecordReader(
            PipeReader.Create(new ReadOnlySequence<byte>(data)),
            new RecordReaderOptions { MaxRecordLength = 10, MalformedRecords = MalformedRecordAction.Skip },
            new PerfKitStreamingDependencies { LoggerFactory = factory });

        await ReadAllAsync(reader, Ct);

        factory.Entries.Should().ContainSingle().Which.Should().Be((3500, "RecordSkipped", LogLevel.Warning, "Skipped record 2 at byte 2: RecordTooLong."));
    }

    private sealed class CapturingLoggerFactory : ILoggerFactory, ILogger
    {
        public List<(int Id, string? Name, LogLevel Level, string Message)> Entries { get; } = [];

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((eventId.Id, eventId.Name, logLevel, formatter(state, exception)));

        public void Dispose()
        {
        }
    }
}
