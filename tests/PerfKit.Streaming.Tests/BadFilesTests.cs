using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Unicode;
using PerfKit.Streaming.Records;

namespace PerfKit.Streaming.Tests;

public sealed class BadFilesTests
{
    private const int MaxLine = 100;

    /// <summary>Reads lines, checks UTF-8 and the line length, and throws MalformedRecordException with the byte position as a record reader would.</summary>
    private static async ValueTask<int> ValidateLinesAsync(FileItem file, StreamingItemContext context)
    {
        var stream = context.OpenRead();
        await using (stream)
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, context.CancellationToken);
            var bytes = buffer.ToArray();
            var chars = new char[bytes.Length + 1];
            long offset = 0, record = 0;
            foreach (var line in Split(bytes))
            {
                record++;
                if (line.Length > MaxLine)
                {
                    throw new MalformedRecordException(RecordErrorKind.RecordTooLong, offset, record, $"The line is {line.Length} bytes, over {MaxLine}.");
                }

                if (Utf8.ToUtf16(line, chars, out var read, out _, replaceInvalidSequences: false) == OperationStatus.InvalidData)
                {
                    throw new MalformedRecordException(RecordErrorKind.InvalidUtf8, offset + read, record, "Invalid UTF-8.");
                }

                offset += line.Length + 1;
            }

            context.AddRecords(record);
            return (int)record;
        }
    }

    private static List<byte[]> Split(byte[] bytes)
    {
        var lines = new List<byte[]>();
        var start = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                lines.Add(bytes[start..i]);
                start = i + 1;
            }
        }

        if (start < bytes.Length)
        {
            lines.Add(bytes[start..]);
        }

        return lines;
    }

    /// <summary>Passes the walk's items on, and does something to a file right after it was listed and before it is read.</summary>
    private static async IAsyncEnumerable<FileItem> Meddle(IAsyncEnumerable<FileItem> source, Action<FileItem> meddle, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in source.WithCancellation(cancellationToken))
        {
            meddle(item);
            yield return item;
        }
    }

    [Fact]
    public async Task BadFiles_EndInTheFailureReport_WithTheirPositions_WhileAllOthersSucceed()
    {
        using var folder = new TempFolder();
        folder.Generate(50, "good");
        folder.Write("bad/invalid-utf8.txt", [.. "ok line\nab"u8, 0xC3, 0x28, .. "\n"u8]);
        folder.Write("bad/long-line.txt", "short\n" + new string('x', 500) + "\n");
        folder.Write("bad/unreadable.txt", "never read\n");
        folder.Write("bad/vanished.txt", "deleted before it is read\n");
        var unreadable = Path.Combine(folder.Path, "bad", "unreadable.txt");
        if (!TempFolder.IsRoot)
        {
            TempFolder.Chmod(unreadable, UnixFileMode.None);
        }

        var sunk = new List<string>();
        await using var pipeline = new StreamingPipeline<FileItem, int>(
            ValidateLinesAsync,
            (batch, _) =>
            {
                lock (sunk)
                {
                    sunk.AddRange(batch.Select(r => r.Item.RelativePath));
                }

                return ValueTask.CompletedTask;
            },
            new StreamingPipelineOptions { MaxDegreeOfParallelism = 2, ErrorPolicy = ItemErrorPolicy.Retry, RetryDelay = TimeSpan.Zero });
        var source = Meddle(new DirectorySource(new DirectorySourceOptions { Root = folder.Path }), item =>
        {
            if (item.RelativePath == "bad/vanished.txt")
            {
                File.Delete(item.FullPath);
            }
            else if (item.RelativePath == "bad/unreadable.txt" && TempFolder.IsRoot)
            {
                // root reads a chmod 000 file: a folder under the file's name makes the open fail instead.
                File.Delete(item.FullPath);
                Directory.CreateDirectory(item.FullPath);
            }
        }, TestContext.Current.CancellationToken);

        var report = await pipeline.RunAsync(source, cancellationToken: TestContext.Current.CancellationToken);

        sunk.Should().HaveCount(50).And.OnlyContain(p => p.StartsWith("good/", StringComparison.Ordinal));
        report.ItemsSucceeded.Should().Be(50);
        report.ItemsFailed.Should().Be(4);
        var failures = report.Failures.ToDictionary(f => f.Key);
        failures["bad/invalid-utf8.txt"].Should().BeEquivalentTo(new
        {
            Kind = StreamingFailureKind.MalformedRecord,
            RecordErrorKind = RecordErrorKind.InvalidUtf8,
            ByteOffset = 10L,
            RecordNumber = 2L,
            Attempts = 1,
            Path = Path.Combine(folder.Path, "bad", "invalid-utf8.txt"),
        });
        failures["bad/long-line.txt"].Should().BeEquivalentTo(new { Kind = StreamingFailureKind.MalformedRecord, RecordErrorKind = RecordErrorKind.RecordTooLong, ByteOffset = 6L, RecordNumber = 2L });
        failures["bad/vanished.txt"].Should().BeEquivalentTo(new { Kind = StreamingFailureKind.NotFound, ByteOffset = 0L, Attempts = 1 });
        failures["bad/unreadable.txt"].Kind.Should().Be(StreamingFailureKind.AccessDenied);
        failures["bad/unreadable.txt"].ByteOffset.Should().Be(0);

        using var json = JsonDocument.Parse(report.ToJson());
        json.RootElement.GetProperty("itemsFailed").GetInt64().Should().Be(4);
        json.RootElement.GetProperty("failuresNotListed").GetInt64().Should().Be(0);
        json.RootElement.GetProperty("failures").EnumerateArray()
            .Single(f => f.GetProperty("key").GetString() == "bad/invalid-utf8.txt").GetProperty("byteOffset").GetInt64().Should().Be(10);
    }

    [Fact]
    public async Task AnIOExceptionOfTheProcessor_MidFile_IsAProcessorFailure_WithTheStreamPosition()
    {
        using var folder = new TempFolder();
        folder.Write("a.txt", new string('a', 10_000));
        await using var pipeline = new StreamingPipeline<FileItem, int>(
            async (file, context) =>
            {
                var stream = context.OpenRead();
                await using (stream)
                {
                    var buffer = new byte[4096];
                    _ = await stream.ReadAsync(buffer, context.CancellationToken);
                    throw new IOException("the disk went away");
                }
            },
            (_, _) => ValueTask.CompletedTask,
            new StreamingPipelineOptions());

        var report = await pipeline.RunAsync(new DirectorySource(new DirectorySourceOptions { Root = folder.Path }), cancellationToken: TestContext.Current.CancellationToken);

        // The library's own read did not fail: the processor threw, so it is a processor failure (at the stream's position).
        report.Failures.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Kind = StreamingFailureKind.ProcessorError, ByteOffset = 4096L });
    }

    [Fact]
    public async Task AnIOExceptionOfTheProcessor_IsAProcessorFailure_WhileTheLibrarysOwnOpenFailureIsNot()
    {
        using var folder = new TempFolder();
        folder.Write("mine.txt", "x\n");
        folder.Write("vanished.txt", "x\n");
        await using var pipeline = new StreamingPipeline<FileItem, int>(
            (file, context) =>
            {
                if (file.RelativePath == "vanished.txt")
                {
                    File.Delete(file.FullPath);
                    using var stream = context.OpenRead();
                    return ValueTask.FromResult(0);
                }

                throw new IOException("the processor's own output disk is full");
            },
            (_, _) => ValueTask.CompletedTask,
            new StreamingPipelineOptions { MaxDegreeOfParallelism = 1 });

        var report = await pipeline.RunAsync(new DirectorySource(new DirectorySourceOptions { Root = folder.Path }), cancellationToken: TestContext.Current.CancellationToken);

        var failures = report.Failures.ToDictionary(f => f.Key);
        failures["mine.txt"].Kind.Should().Be(StreamingFailureKind.ProcessorError);
        failures["vanished.txt"].Kind.Should().Be(StreamingFailureKind.NotFound);
    }

    [Fact]
    public async Task TheFailureList_IsBounded_AndCountsTheRest()
    {
        await using var pipeline = new StreamingPipeline<int, int>(
            (_, _) => throw new InvalidOperationException("always"),
            (_, _) => ValueTask.CompletedTask,
            new StreamingPipelineOptions { MaxReportedFailures = 3 });

        var report = await pipeline.RunAsync(Enumerable.Range(0, 10).ToAsyncEnumerable(), cancellationToken: TestContext.Current.CancellationToken);

        report.ItemsFailed.Should().Be(10);
        report.Failures.Should().HaveCount(3);
        report.FailuresNotListed.Should().Be(7);
        report.ToJson().Should().Contain("\"failuresNotListed\": 7");
    }
}
