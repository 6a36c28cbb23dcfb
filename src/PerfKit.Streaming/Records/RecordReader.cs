using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PerfKit.Streaming.Records;

/// <summary>
/// Splits the bytes of a <see cref="PipeReader"/> into records (lines, delimited records or length-prefixed frames) and
/// hands them over without allocating per record: <see cref="ReadBatchAsync"/> waits for data, then
/// <see cref="Current"/> enumerates the complete records in it as <see cref="ReadOnlySpan{T}"/> of bytes (or, through
/// <see cref="RecordBatch.AsText"/>, of UTF-8-decoded chars).
/// </summary>
/// <remarks>
/// <code>
/// await using var reader = RecordReader.OpenFile(path, new RecordReaderOptions());
/// while (await reader.ReadBatchAsync(cancellationToken))
/// {
///     foreach (var line in reader.Current)
///     {
///         // line is a ReadOnlySpan&lt;byte&gt;, valid until the next record
///     }
/// }
/// </code>
/// A batch is every complete record of one buffer of the pipe (about 64 KiB with <see cref="RecordFile"/>): the loop
/// over it is synchronous, so spans never cross an <c>await</c> (the compiler enforces it). Records left unread in a batch are
/// handed over again by the next batch. A record split across the pipe's segments is copied once into a reusable
/// buffer of the reader; every other record is a slice of the pipe's own buffer. Not thread-safe: one reader, one
/// consumer. Disposing the reader completes the <see cref="PipeReader"/>. After it has thrown a
/// <see cref="MalformedRecordException"/>, a reader cannot go on: dispose it (to go past bad records, use
/// <see cref="MalformedRecordAction.Skip"/>).
/// </remarks>
public sealed partial class RecordReader : IDisposable, IAsyncDisposable
{
    private readonly PipeReader _input;
    private readonly ILogger _logger;
    private readonly RecordFraming _framing;
    private readonly byte[] _delimiter;
    private readonly bool _skipMalformed;
    private readonly bool _bigEndian;
    private readonly long _incompleteLimit;

    private ReadOnlySequence<byte> _buffer;
    private bool _hasBuffer;
    private bool _final;
    private bool _exhausted;
    private bool _done;
    private bool _disposed;
    private long _bufferOffset;
    private long _searched;
    private bool _discarding;
    private long _discardUntil;
    private byte[] _scratch = [];
    private char[] _chars = [];

    /// <summary>Creates a reader over <paramref name="input"/>; disposing the reader completes it.</summary>
    /// <param name="input">The bytes to split. Byte offsets are counted from its first byte, or for a reader from <see cref="RecordFile.OpenPipeReader(FileChunk, int)"/>, from the start of the file.</param>
    /// <param name="options">How records are framed and checked.</param>
    /// <param name="dependencies">The logger factory (skipped records are logged); <see langword="null"/> for none.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid.</exception>
    public RecordReader(PipeReader input, RecordReaderOptions options, PerfKitStreamingDependencies? dependencies = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        RecordFile.Validated(options);
        _input = input;
        _logger = (dependencies?.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("PerfKit.Streaming.RecordReader");
        _framing = options.Framing;
        _delimiter = options.Framing switch
        {
            RecordFraming.Lines => "\n"u8.ToArray(),
            RecordFraming.Delimited => Encoding.UTF8.GetBytes(options.Delimiter!),
            _ => [],
        };
        MaxRecordLength = options.MaxRecordLength;
        ValidateUtf8 = options.ValidateUtf8;
        _skipMalformed = options.MalformedRecords == MalformedRecordAction.Skip;
        _bigEndian = options.LengthPrefix == LengthPrefixFormat.Int32BigEndian;
        _incompleteLimit = (long)MaxRecordLength + (options.Framing == RecordFraming.Lines ? 1 : Math.Max(0, _delimiter.Length - 1));
        if (input is FileRangePipeReader range)
        {
            _bufferOffset = range.StartOffset;
            Consumed = range.StartOffset;
        }
    }

    /// <summary>The records of the last <see cref="ReadBatchAsync"/>; enumerate it with <c>foreach</c> or <see cref="RecordBatch.MoveNext"/>.</summary>
    /// <exception cref="InvalidOperationException">No batch has been read, or the input is at its end.</exception>
    public RecordBatch Current => _hasBuffer ? new RecordBatch(this) : throw new InvalidOperationException("Call ReadBatchAsync, and use Current only while it returned true.");

    /// <summary>Records handed over or skipped so far (the number of the last one).</summary>
    public long RecordNumber { get; internal set; }

    /// <summary>Records skipped so far under <see cref="MalformedRecordAction.Skip"/>.</summary>
    public long SkippedRecords { get; private set; }

    /// <summary>
    /// Called for each record skipped under <see cref="MalformedRecordAction.Skip"/>, with its kind, byte position and
    /// number (the exception is not thrown). Called on the reading thread, from inside the enumeration: keep it short.
    /// </summary>
    public Action<MalformedRecordException>? RecordSkipped { get; set; }

    /// <summary>The byte position, from the start of the input, up to which records have been handed over or skipped.</summary>
    public long Consumed { get; internal set; }

    internal ReadOnlySpan<byte> Delimiter => _delimiter;

    internal bool TrimCarriageReturn => _framing == RecordFraming.Lines;

    internal bool IsFramed => _framing == RecordFraming.LengthPrefixed;

    internal int MaxRecordLength { get; }

    internal bool ValidateUtf8 { get; }

    /// <summary>Opens <paramref name="path"/> (<see cref="RecordFile.OpenPipeReader(string, int)"/> with <see cref="RecordReaderOptions.BufferSize"/>) and reads its records.</summary>
    /// <param name="path">The file.</param>
    /// <param name="options">How records are framed and checked.</param>
    /// <param name="dependencies">The logger factory; <see langword="null"/> for none.</param>
    public static RecordReader OpenFile(string path, RecordReaderOptions options, PerfKitStreamingDependencies? dependencies = null)
    {
        RecordFile.Validated(options);
        var input = RecordFile.OpenPipeReader(path, options.BufferSize);
        return new RecordReader(input, options, dependencies);
    }

    /// <summary>
    /// Reads the records of one chunk of a file (<see cref="FileChunker.Split"/>). Byte offsets are from the start of the
    /// file; record numbers count from the chunk's first record.
    /// </summary>
    /// <param name="chunk">The chunk.</param>
    /// <param name="options">How records are framed and checked: the framing the chunks were split with.</param>
    /// <param name="dependencies">The logger factory; <see langword="null"/> for none.</param>
    public static RecordReader OpenChunk(FileChunk chunk, RecordReaderOptions options, PerfKitStreamingDependencies? dependencies = null)
    {
        RecordFile.Validated(options);
        var input = RecordFile.OpenPipeReader(chunk, options.BufferSize);
        return new RecordReader(input, options, dependencies);
    }

    /// <summary>
    /// Waits until the input holds at least one complete record (or its end), and makes them <see cref="Current"/>.
    /// Records of the previous batch that were not enumerated come again in this one.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait for data.</param>
    /// <returns><see langword="true"/> with a batch (it can turn out empty when all its records were skipped); <see langword="false"/> at the end of the input.</returns>
    /// <exception cref="MalformedRecordException">A record is too long or truncated (under <see cref="MalformedRecordAction.Throw"/>; truncation always).</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled, or the pipe's pending read was cancelled.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // a read that waits would otherwise allocate its state machine per batch
    public async ValueTask<bool> ReadBatchAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_hasBuffer)
        {
            var rest = _buffer.Slice(Consumed - _bufferOffset);
            _bufferOffset = Consumed;
            _hasBuffer = false;
            _buffer = default;
            if (_exhausted)
            {
                // Nothing complete is left: judge the incomplete rest now, so that a record already longer than the
                // maximum is reported (or its discarding begins) before more of it is awaited.
                var step = Prepare(rest, out var drop);
                if (step == Step.Ready)
                {
                    _input.AdvanceTo(rest.GetPosition(drop));
                }
                else
                {
                    _input.AdvanceTo(rest.GetPosition(drop), rest.End);
                }

                _bufferOffset += drop;
                Consumed = _bufferOffset;
                _done = step == Step.End;
            }
            else
            {
                _input.AdvanceTo(rest.Start);
            }
        }

        while (!_done)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (result.IsCanceled)
            {
                _input.AdvanceTo(buffer.Start);
                throw new OperationCanceledException("The pipe's pending read was cancelled.");
            }

            _final = result.IsCompleted;
            switch (Prepare(buffer, out var drop))
            {
                case Step.Ready:
                    _buffer = buffer;
                    _hasBuffer = true;
                    _exhausted = false;
                    Consumed = _bufferOffset + drop;
                    return true;
                case Step.NeedMore:
                    _input.AdvanceTo(buffer.GetPosition(drop), buffer.End);
                    _bufferOffset += drop;
                    Consumed = _bufferOffset;
                    break;
                default:
                    _input.AdvanceTo(buffer.End);
                    _bufferOffset += buffer.Length;
                    Consumed = _bufferOffset;
                    _done = true;
                    break;
            }
        }

        return false;
    }

    /// <summary>Completes the <see cref="PipeReader"/> and returns the reader's buffers to the pool. Idempotent.</summary>
    public void Dispose()
    {
        if (Release())
        {
            _input.Complete();
        }
    }

    /// <summary>Completes the <see cref="PipeReader"/> and returns the reader's buffers to the pool. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Release())
        {
            await _input.CompleteAsync().ConfigureAwait(false);
        }
    }

    private bool Release()
    {
        if (_disposed)
        {
            return false;
        }

        _disposed = true;
        _hasBuffer = false;
        _buffer = default;
        if (_scratch.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_scratch);
            _scratch = [];
        }

        if (_chars.Length > 0)
        {
            ArrayPool<char>.Shared.Return(_chars);
            _chars = [];
        }

        return true;
    }
}
