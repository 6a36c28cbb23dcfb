using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PerfKit.Streaming.Internal;

namespace PerfKit.Streaming;

/// <summary>
/// Runs items from a source through a processor on parallel workers into one or more sinks, in bounded memory:
/// the weight (bytes) and the number of items in flight are bounded across the whole pipeline, so a slow sink holds
/// the source back. Results reach the sinks in batches (by count, bytes or time); failed items are recorded in the
/// report while the run goes on (or retried, or stop it: <see cref="StreamingPipelineOptions.ErrorPolicy"/>); progress
/// is throttled; and with a checkpoint store a killed or cancelled run resumes where it was.
/// </summary>
/// <remarks>
/// <para><b>Delivery guarantee.</b> Every item of the source reaches the sinks (or the failure report) at least once
/// across runs that resume from the same checkpoint, and no item done before the last checkpoint is processed again.
/// After a crash the sinks may see again only the items written after the last checkpoint: with
/// <see cref="StreamingPipelineOptions.CheckpointInterval"/> zero (the default) the checkpoint is written after every
/// batch, so at most one batch (<see cref="StreamingPipelineOptions.BatchSize"/> items, and never more than
/// <see cref="StreamingPipelineOptions.MaxItemsInFlight"/>). Make the sink idempotent with
/// <see cref="StreamingResult{TItem, TResult}.Key"/> (for files, <see cref="FileItem.IdempotencyKey"/>) to turn that
/// into exactly-once. A failed item counts as done (it is in the report) unless the policy is
/// <see cref="ItemErrorPolicy.Stop"/>.</para>
/// <para>Resuming needs a source that yields the same items in the same order (a <see cref="DirectorySource"/> over
/// the same tree does); a changed source makes the run throw rather than skip the wrong items.</para>
/// </remarks>
/// <typeparam name="TItem">The item type (for a directory, <see cref="FileItem"/>).</typeparam>
/// <typeparam name="TResult">What the processor returns per item.</typeparam>
public sealed partial class StreamingPipeline<TItem, TResult> : IDisposable, IAsyncDisposable
{
    private readonly Func<TItem, StreamingItemContext, ValueTask<TResult>> _processor;
    private readonly List<Func<IReadOnlyList<StreamingResult<TItem, TResult>>, CancellationToken, ValueTask>> _sinks = [];
    private readonly StreamingPipelineOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly StreamingMetrics _metrics;
    private readonly ICheckpointStore? _checkpoints;
    private readonly KeyValuePair<string, object?> _pipelineTag;
    private readonly CancellationTokenSource _abort = new();
    private int _running;
    private int _disposed;

    /// <summary>Creates the pipeline.</summary>
    /// <param name="processor">Processes one item; called on up to <see cref="StreamingPipelineOptions.MaxDegreeOfParallelism"/> items at once. Throw to fail the item (a <see cref="Records.MalformedRecordException"/> carries its byte position into the report).</param>
    /// <param name="sink">Receives the results in batches, one batch at a time; more sinks can be added with <see cref="AddSink"/>. A sink that throws stops the run (the batch stays undone in the checkpoint) and <see cref="RunAsync"/> rethrows.</param>
    /// <param name="options">The options; validated here.</param>
    /// <param name="dependencies">The clock, logs, meter and checkpoint store; null for the defaults.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid; the message names every bad option.</exception>
    public StreamingPipeline(
        Func<TItem, StreamingItemContext, ValueTask<TResult>> processor,
        Func<IReadOnlyList<StreamingResult<TItem, TResult>>, CancellationToken, ValueTask> sink,
        StreamingPipelineOptions options,
        PerfKitStreamingDependencies? dependencies = null)
    {
        ArgumentNullException.ThrowIfNull(processor);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(options);
        StreamingPipelineOptionsValidator.ThrowIfInvalid(options);
        _processor = processor;
        _sinks.Add(sink);
        _options = options;
        _time = dependencies?.TimeProvider ?? TimeProvider.System;
        _logger = (dependencies?.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("PerfKit.Streaming.StreamingPipeline");
        _metrics = StreamingMetrics.For(dependencies?.MeterFactory);
        _checkpoints = dependencies?.CheckpointStore ?? (options.CheckpointPath is { } path ? new FileCheckpointStore(path) : null);
        _pipelineTag = new(PerfKitStreamingDiagnostics.Tags.Pipeline, options.Name);
    }

    /// <summary>The item's key in checkpoints and failure reports; default the <see cref="FileItem.RelativePath"/> of a <see cref="FileItem"/>, else the item's position in the source.</summary>
    public Func<TItem, string>? KeySelector { get; init; }

    /// <summary>The item's weight against <see cref="StreamingPipelineOptions.MaxBytesInFlight"/> and <see cref="StreamingPipelineOptions.BatchBytes"/>; default the <see cref="FileItem.Length"/> of a <see cref="FileItem"/>, else 0 (only the item count bounds the run).</summary>
    public Func<TItem, long>? WeightSelector { get; init; }

    /// <summary>The options.</summary>
    public StreamingPipelineOptions Options => _options;

    /// <summary>Adds a sink that receives every batch after the ones before it.</summary>
    /// <param name="sink">The sink.</param>
    /// <returns>This pipeline.</returns>
    /// <exception cref="InvalidOperationException">A run is in progress.</exception>
    public StreamingPipeline<TItem, TResult> AddSink(Func<IReadOnlyList<StreamingResult<TItem, TResult>>, CancellationToken, ValueTask> sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Volatile.Read(ref _running) != 0)
        {
            throw new InvalidOperationException("Sinks cannot be added while the pipeline runs.");
        }

        _sinks.Add(sink);
        return this;
    }

    /// <summary>
    /// Runs the pipeline over <paramref name="source"/> until it is exhausted, the run is cancelled or an item stops
    /// it. With a checkpoint, items that an earlier run finished are skipped. Cancelling
    /// <paramref name="cancellationToken"/> stops the source, lets the items in flight finish and reach the sinks,
    /// writes a final checkpoint and returns a report with <see cref="StreamingReport.Cancelled"/> set (it does not throw).
    /// </summary>
    /// <param name="source">The items, for example a <see cref="DirectorySource"/>.</param>
    /// <param name="progress">Receives throttled progress reports, and a final one; null for none.</param>
    /// <param name="cancellationToken">Stops the run gracefully.</param>
    /// <returns>The report.</returns>
    /// <exception cref="InvalidOperationException">A run is already in progress, or the source changed since the checkpoint.</exception>
    public async Task<StreamingReport> RunAsync(IAsyncEnumerable<TItem> source, IProgress<StreamingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _running, 1) != 0)
        {
            throw new InvalidOperationException("The pipeline is already running; one run at a time.");
        }

        try
        {
            return await new Run(this, source, progress, cancellationToken).ExecuteAsync().ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>Cancels a run in progress hard: processors and sinks see their token cancelled, and unfinished items stay undone in the checkpoint.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _abort.Cancel();
        if (Volatile.Read(ref _running) == 0)
        {
            _abort.Dispose();
        }
    }

    /// <inheritdoc cref="Dispose"/>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private string KeyOf(TItem item, long sequence) =>
        KeySelector is { } selector ? selector(item)
        : item is FileItem file ? file.RelativePath
        : sequence.ToString(CultureInfo.InvariantCulture);

    private long WeightOf(TItem item) =>
        Math.Max(0, WeightSelector is { } selector ? selector(item) : item is FileItem file ? file.Length : 0);
}
