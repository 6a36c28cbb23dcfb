using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using PerfKit.Streaming.Internal;
using PerfKit.Streaming.Records;

namespace PerfKit.Streaming;

// One run: the producer, the workers and the sink loop.
public sealed partial class StreamingPipeline<TItem, TResult>
{
    private sealed class Entry
    {
        public Entry(long sequence, TItem item, string key, long weight)
        {
            Sequence = sequence;
            Item = item;
            Key = key;
            Weight = weight;
        }

        public long Sequence { get; }

        public TItem Item { get; }

        public string Key { get; }

        public long Weight { get; }

        public bool SkipMarker { get; init; }

        public TResult Result { get; set; } = default!;

        public long Records { get; set; }

        public StreamingFailure? Failure { get; set; }

        public Exception? Exception { get; set; }

        public bool StopsRun { get; set; }

        public bool Aborted { get; set; }
    }

    private sealed class Run
    {
        private readonly StreamingPipeline<TItem, TResult> _p;
        private readonly StreamingPipelineOptions _o;
        private readonly IAsyncEnumerable<TItem> _source;
        private readonly IProgress<StreamingProgress>? _progress;
        private readonly CancellationToken _cancel;
        private readonly CancellationToken _abort;
        private readonly List<StreamingFailure> _failures = [];
        private readonly List<Entry> _batch = [];
        private readonly Channel<Entry> _work;
        private readonly Channel<Entry> _done;
        private CancellationTokenSource _stop = null!;
        private FlowControl _flow = null!;
        private long _started;
        private long _processingStarted;
        private long _lastProgress;
        private long _lastCheckpoint;
        private bool _checkpointDirty;
        private long? _itemsTotal;
        private long? _bytesTotal;
        private long _skipped;
        private long _skippedBytes;
        private long _succeeded;
        private long _failed;
        private long _failuresNotListed;
        private long _bytes;
        private long _records;
        private long _batchBytes;
        private long _batchStarted;
        private long _sequenceCount;
        private int _held;
        private bool _sourceExhausted;
        private bool _stopped;
        private Exception? _sourceError;
        private Exception? _sinkError;

        public Run(StreamingPipeline<TItem, TResult> pipeline, IAsyncEnumerable<TItem> source, IProgress<StreamingProgress>? progress, CancellationToken cancellationToken)
        {
            _p = pipeline;
            _o = pipeline._options;
            _source = source;
            _progress = progress;
            _cancel = cancellationToken;
            _abort = pipeline._abort.Token;
            _work = Channel.CreateBounded<Entry>(new BoundedChannelOptions(_o.MaxItemsInFlight) { SingleWriter = true });
            _done = Channel.CreateUnbounded<Entry>(new UnboundedChannelOptions { SingleReader = true });
        }

        private KeyValuePair<string, object?> PipelineTag => _p._pipelineTag;

        public async Task<StreamingReport> ExecuteAsync()
        {
            _started = _lastProgress = _lastCheckpoint = _p._time.GetTimestamp();
            if (_o.CountTotals)
            {
                long items = 0, bytes = 0;
                await foreach (var item in _source.WithCancellation(_cancel).ConfigureAwait(false))
                {
                    items++;
                    bytes += _p.WeightOf(item);
                    ReportCounting(items, bytes);
                }

                (_itemsTotal, _bytesTotal) = (items, bytes);
            }

            // Rates and the ETA are over the processing only: the counting time would make them far too pessimistic.
            _processingStarted = _p._time.GetTimestamp();

            var checkpoint = _p._checkpoints is null ? null : await _p._checkpoints.LoadAsync(_cancel).ConfigureAwait(false);
            _flow = new FlowControl(_o.MaxBytesInFlight, _o.MaxItemsInFlight, checkpoint);
            if (checkpoint is not null)
            {
                Log.Resumed(_p._logger, _o.Name, checkpoint.LowWaterMark, checkpoint.CompletedAbove.Count);
            }

            Log.RunStarted(_p._logger, _o.Name, _o.MaxDegreeOfParallelism, _o.MaxBytesInFlight, _o.MaxItemsInFlight);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(_cancel, _abort);
            _stop = stop;
            var producer = Task.Run(ProduceAsync, CancellationToken.None);
            var workers = new Task[_o.MaxDegreeOfParallelism];
            for (var i = 0; i < workers.Length; i++)
            {
                workers[i] = Task.Run(WorkAsync, CancellationToken.None);
            }

            var allDone = Task.WhenAll([producer, .. workers]).ContinueWith(
                _ => _done.Writer.TryComplete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

            await SinkLoopAsync().ConfigureAwait(false);
            await allDone.ConfigureAwait(false);
            await Task.WhenAll([producer, .. workers]).ConfigureAwait(false);

            var (lowWater, doneAbove) = _flow.Position;
            var completed = _sourceExhausted && !_stopped && _sinkError is null && _sourceError is null && !_abort.IsCancellationRequested
                && doneAbove == 0 && lowWater >= _sequenceCount;
            await CheckpointAsync(force: true, finished: completed).ConfigureAwait(false);
            var elapsed = _p._time.GetElapsedTime(_started);
            Report(final: true);
            Log.RunFinished(_p._logger, _o.Name, completed, _cancel.IsCancellationRequested, _stopped, _succeeded, _failed, _skipped, _bytes, elapsed.TotalMilliseconds);
            if (_sinkError is not null)
            {
                ExceptionDispatchInfo.Throw(_sinkError);
            }

            if (_sourceError is not null)
            {
                ExceptionDispatchInfo.Throw(_sourceError);
            }

            return new StreamingReport(
                _o.Name, _succeeded, _failed, _skipped, _bytes, _records, elapsed, completed, _cancel.IsCancellationRequested && !completed, _stopped, _abort.IsCancellationRequested && !completed,
                _failures.ToArray(), _failuresNotListed, checkpoint?.LowWaterMark);
        }

        private async Task ProduceAsync()
        {
            long sequence = 0;
            var token = _stop.Token;
            try
            {
                await foreach (var item in _source.WithCancellation(token).ConfigureAwait(false))
                {
                    var s = sequence++;
                    Volatile.Write(ref _sequenceCount, sequence);
                    var key = _p.KeyOf(item, s);
                    var weight = _p.WeightOf(item);
                    if (_flow.IsAlreadyDone(s, key))
                    {
                        Interlocked.Increment(ref _skipped);
                        Interlocked.Add(ref _skippedBytes, weight);
                        _p._metrics.Items.Add(1, PipelineTag, new(PerfKitStreamingDiagnostics.Tags.Result, "skipped"));
                        if (_o.PreserveOrder && s >= _flow.InitialLowWater)
                        {
                            _done.Writer.TryWrite(new Entry(s, item, key, weight) { SkipMarker = true });
                        }

                        continue;
                    }

                    await _flow.AdmitAsync(s, weight, token).ConfigureAwait(false);
                    _p._metrics.BytesInFlight.Add(weight, PipelineTag);
                    _p._metrics.ItemsInFlight.Add(1, PipelineTag);
                    _p._metrics.QueueDepth.Add(1, PipelineTag, new(PerfKitStreamingDiagnostics.Tags.Queue, "work"));

                    // The window bounds the admitted items to the channel's capacity, so this never waits.
                    if (!_work.Writer.TryWrite(new Entry(s, item, key, weight)))
                    {
                        throw new InvalidOperationException("The work queue is full beyond the item window.");
                    }
                }

                _sourceExhausted = true;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                _sourceError = e;
                _stop.Cancel();
            }
            finally
            {
                _work.Writer.TryComplete();
            }
        }

        private async Task WorkAsync()
        {
            // No token: the queue is emptied, so the started items finish after a cancellation; an item not yet
            // started when the run is cancelled (or stopped) is not processed and stays undone in the checkpoint.
            await foreach (var entry in _work.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                _p._metrics.QueueDepth.Add(-1, PipelineTag, new(PerfKitStreamingDiagnostics.Tags.Queue, "work"));
                if (_stop.IsCancellationRequested)
                {
                    entry.Aborted = true;
                }
                else
                {
                    await ProcessAsync(entry).ConfigureAwait(false);
                }

                _p._metrics.QueueDepth.Add(1, PipelineTag, new(PerfKitStreamingDiagnostics.Tags.Queue, "sink"));
                _done.Writer.TryWrite(entry);
            }
        }

        private async Task ProcessAsync(Entry entry)
        {
            var file = entry.Item as FileItem;
            if (file?.Problem is { } problem)
            {
                entry.Failure = new StreamingFailure(entry.Sequence, entry.Key, file.FullPath, StreamingFailureKind.WalkProblem, problem, null, null, null, null, 0);
                return;
            }

            if (_o.MaxItemBytes > 0 && entry.Weight > _o.MaxItemBytes)
            {
                entry.Failure = new StreamingFailure(
                    entry.Sequence, entry.Key, file?.FullPath, StreamingFailureKind.TooLarge,
                    $"The item weighs {entry.Weight} bytes, more than StreamingPipelineOptions.MaxItemBytes ({_o.MaxItemBytes}).", null, null, null, null, 0);
                return;
            }

            for (var attempt = 1; ; attempt++)
            {
                var context = new StreamingItemContext(entry.Sequence, entry.Key, attempt, file, _abort);
                try
                {
                    entry.Result = await _p._processor(entry.Item, context).ConfigureAwait(false);
                    entry.Records = context.Records;
                    return;
                }
                catch (OperationCanceledException) when (_abort.IsCancellationRequested)
                {
                    entry.Aborted = true;
                    return;
                }
                catch (Exception e)
                {
                    var failure = Describe(entry, file, e, context, attempt);
                    if (_o.ErrorPolicy == ItemErrorPolicy.Retry && attempt <= _o.MaxRetries && IsTransient(failure.Kind))
                    {
                        var delay = TimeSpan.FromTicks((long)Math.Min(_o.RetryDelay.Ticks * Math.Pow(2, attempt - 1), TimeSpan.FromHours(1).Ticks));
                        _p._metrics.Retries.Add(1, PipelineTag);
                        Log.ItemRetrying(_p._logger, e, _o.Name, entry.Key, attempt, delay.TotalMilliseconds);
                        try
                        {
                            await Task.Delay(delay, _p._time, _abort).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException)
                        {
                            entry.Aborted = true;
                            return;
                        }

                        continue;
                    }

                    entry.Failure = failure;
                    entry.Exception = e;
                    entry.StopsRun = _o.ErrorPolicy == ItemErrorPolicy.Stop;
                    return;
                }
                finally
                {
                    context.Close();
                }
            }
        }

        private static bool IsTransient(StreamingFailureKind kind) =>
            kind is StreamingFailureKind.ProcessorError or StreamingFailureKind.ReadError;

        private static StreamingFailure Describe(Entry entry, FileItem? file, Exception e, StreamingItemContext context, int attempts)
        {
            for (var inner = e; inner is not null; inner = inner.InnerException)
            {
                if (inner is MalformedRecordException malformed)
                {
                    return new StreamingFailure(
                        entry.Sequence, entry.Key, file?.FullPath, StreamingFailureKind.MalformedRecord, malformed.Message, malformed.GetType().FullName,
                        malformed.ByteOffset, malformed.RecordNumber, malformed.Kind, attempts);
                }
            }

            // Only the library's own opens and reads are read errors; an I/O exception of the processor's own is its failure.
            var kind = !LibraryIo.IsMarked(e) ? StreamingFailureKind.ProcessorError : e switch
            {
                FileNotFoundException or DirectoryNotFoundException => StreamingFailureKind.NotFound,
                UnauthorizedAccessException => StreamingFailureKind.AccessDenied,
                IOException => StreamingFailureKind.ReadError,
                _ => StreamingFailureKind.ProcessorError,
            };
            var offset = context.ByteOffset ?? context.StreamPosition ?? (file is not null && kind != StreamingFailureKind.ProcessorError ? 0 : null);
            return new StreamingFailure(entry.Sequence, entry.Key, file?.FullPath, kind, e.Message, e.GetType().FullName, offset, null, null, attempts);
        }

        private async Task SinkLoopAsync()
        {
            var reader = _done.Reader;
            var pending = _o.PreserveOrder ? new SortedDictionary<long, Entry>() : null;
            var next = _flow.InitialLowWater;
            while (true)
            {
                bool more;
                if (_batch.Count == 0)
                {
                    more = await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false);
                }
                else
                {
                    // Flush now when nothing more can arrive: the source waits for room and every admitted item is here.
                    if (_flow.IsProducerBlocked && _flow.ItemsInFlight <= _held && !reader.TryPeek(out _))
                    {
                        await FlushAsync().ConfigureAwait(false);
                        continue;
                    }

                    var remaining = _o.BatchInterval - _p._time.GetElapsedTime(_batchStarted);
                    if (remaining <= TimeSpan.Zero)
                    {
                        await FlushAsync().ConfigureAwait(false);
                        continue;
                    }

                    // Wait for an item, the batch's time, or the source to start waiting for room (once: while it
                    // waits, only arriving items can change the flush condition above).
                    using var timeout = new CancellationTokenSource(remaining, _p._time);
                    var read = reader.WaitToReadAsync(timeout.Token).AsTask();
                    var blocked = _flow.ProducerBlocked;
                    var first = blocked.IsCompleted ? read : await Task.WhenAny(read, blocked).ConfigureAwait(false);
                    if (first != read)
                    {
                        await timeout.CancelAsync().ConfigureAwait(false);
                    }

                    try
                    {
                        more = await read.ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        if (first == read)
                        {
                            await FlushAsync().ConfigureAwait(false);
                        }

                        continue;
                    }
                }

                if (!more)
                {
                    break;
                }

                while (reader.TryRead(out var entry))
                {
                    if (!entry.SkipMarker)
                    {
                        _p._metrics.QueueDepth.Add(-1, PipelineTag, new(PerfKitStreamingDiagnostics.Tags.Queue, "sink"));
                        _held++;
                    }

                    if (pending is null)
                    {
                        await AcceptAsync(entry).ConfigureAwait(false);
                        continue;
                    }

                    pending[entry.Sequence] = entry;
                    while (pending.Remove(next, out var ready))
                    {
                        next++;
                        await AcceptAsync(ready).ConfigureAwait(false);
                    }
                }
            }

            if (pending is not null)
            {
                foreach (var (_, entry) in pending)
                {
                    await AcceptAsync(entry).ConfigureAwait(false);
                }
            }

            await FlushAsync().ConfigureAwait(false);
        }

        private async ValueTask AcceptAsync(Entry entry)
        {
            if (entry.SkipMarker)
            {
                return;
            }

            if (entry.Aborted || entry.Failure is not null)
            {
                _held--;
                Release(entry);
                if (entry.Failure is { } failure)
                {
                    _failed++;
                    if (_failures.Count < _o.MaxReportedFailures)
                    {
                        _failures.Add(failure);
                    }
                    else
                    {
                        _failuresNotListed++;
                    }

                    _p._metrics.Items.Add(1, PipelineTag, new(PerfKitStreamingDiagnostics.Tags.Result, "failure"));
                    _p._metrics.Failures.Add(1, PipelineTag, new(PerfKitStreamingDiagnostics.Tags.Reason, failure.Kind.ToString()));
                    Log.ItemFailed(_p._logger, entry.Exception, _o.Name, entry.Key, failure.Kind, failure.ByteOffset, failure.Attempts);
                    if (entry.StopsRun)
                    {
                        _stopped = true;
                        await _stop.CancelAsync().ConfigureAwait(false);
                    }
                    else
                    {
                        _flow.MarkDone(entry.Sequence, entry.Key);
                        _checkpointDirty = true;
                    }

                    Report(final: false);
                }

                return;
            }

            if (_batch.Count == 0)
            {
                _batchStarted = _p._time.GetTimestamp();
            }

            _batch.Add(entry);
            _batchBytes += entry.Weight;
            if (_batch.Count >= _o.BatchSize || _batchBytes >= _o.BatchBytes)
            {
                await FlushAsync().ConfigureAwait(false);
            }
        }

        private void Release(Entry entry)
        {
            _flow.Release(entry.Weight);
            _p._metrics.BytesInFlight.Add(-entry.Weight, PipelineTag);
            _p._metrics.ItemsInFlight.Add(-1, PipelineTag);
        }

        private async Task FlushAsync()
        {
            if (_batch.Count == 0)
            {
                return;
            }

            var written = false;
            if (_sinkError is null)
            {
                var results = new StreamingResult<TItem, TResult>[_batch.Count];
                for (var i = 0; i < results.Length; i++)
                {
                    var e = _batch[i];
                    results[i] = new StreamingResult<TItem, TResult>(e.Item, e.Result, e.Sequence, e.Key, e.Weight);
                }

                try
                {
                    foreach (var sink in _p._sinks)
                    {
                        await sink(results, _abort).ConfigureAwait(false);
                    }

                    written = true;
                    _p._metrics.Batches.Add(1, PipelineTag);
                }
                catch (Exception e)
                {
                    _sinkError = e;
                    Log.SinkFailed(_p._logger, e, _o.Name, results.Length);
                    await _stop.CancelAsync().ConfigureAwait(false);
                }
            }

            foreach (var e in _batch)
            {
                if (written)
                {
                    _flow.MarkDone(e.Sequence, e.Key);
                    _succeeded++;
                    _bytes += e.Weight;
                    _records += e.Records;
                    _p._metrics.Items.Add(1, PipelineTag, new(PerfKitStreamingDiagnostics.Tags.Result, "success"));
                    _p._metrics.Bytes.Add(e.Weight, PipelineTag);
                    if (e.Records != 0)
                    {
                        _p._metrics.Records.Add(e.Records, PipelineTag);
                    }
                }

                Release(e);
            }

            _held -= _batch.Count;
            _batch.Clear();
            _batchBytes = 0;
            _checkpointDirty |= written;
            await CheckpointAsync(force: false, finished: false).ConfigureAwait(false);
            Report(final: false);
        }

        private async Task CheckpointAsync(bool force, bool finished)
        {
            if (_p._checkpoints is null || (!force && !_checkpointDirty))
            {
                return;
            }

            if (!force && _o.CheckpointInterval > TimeSpan.Zero && _p._time.GetElapsedTime(_lastCheckpoint) < _o.CheckpointInterval)
            {
                return;
            }

            try
            {
                await _p._checkpoints.SaveAsync(_flow.Snapshot(finished), CancellationToken.None).ConfigureAwait(false);
                _checkpointDirty = false;
                _lastCheckpoint = _p._time.GetTimestamp();
                _p._metrics.Checkpoints.Add(1, PipelineTag);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Log.CheckpointFailed(_p._logger, e, _o.Name);
            }
        }

        private void ReportCounting(long items, long bytes)
        {
            if (!ProgressDue(force: false, out var now))
            {
                return;
            }

            Publish(new StreamingProgress
            {
                ItemsTotal = items,
                BytesTotal = bytes,
                Elapsed = _p._time.GetElapsedTime(_started, now),
                IsCounting = true,
            });
        }

        private void Report(bool final)
        {
            if (!ProgressDue(force: final, out var now))
            {
                return;
            }

            var elapsed = _p._time.GetElapsedTime(_started, now);
            var seconds = _p._time.GetElapsedTime(_processingStarted, now).TotalSeconds;
            var done = _succeeded + _failed;
            var itemsPerSecond = seconds > 0 ? done / seconds : 0;
            var bytesPerSecond = seconds > 0 ? _bytes / seconds : 0;
            TimeSpan? eta = null;
            if (_bytesTotal is { } bytesTotal && bytesTotal > 0 && bytesPerSecond > 0)
            {
                eta = TimeSpan.FromSeconds(Math.Max(0, bytesTotal - _bytes - Interlocked.Read(ref _skippedBytes)) / bytesPerSecond);
            }
            else if (_itemsTotal is { } itemsTotal && itemsPerSecond > 0)
            {
                eta = TimeSpan.FromSeconds(Math.Max(0, itemsTotal - done - Interlocked.Read(ref _skipped)) / itemsPerSecond);
            }

            Publish(new StreamingProgress
            {
                ItemsDone = done,
                ItemsSkipped = Interlocked.Read(ref _skipped),
                ItemsTotal = _itemsTotal,
                BytesDone = _bytes,
                BytesTotal = _bytesTotal,
                Records = _records,
                Failures = _failed,
                ItemsInFlight = _flow.ItemsInFlight,
                BytesInFlight = _flow.BytesInFlight,
                Elapsed = elapsed,
                BytesPerSecond = bytesPerSecond,
                ItemsPerSecond = itemsPerSecond,
                EstimatedRemaining = final ? TimeSpan.Zero : eta,
                IsFinal = final,
            });
        }

        /// <summary>Whether a progress report is due (an observer is set, and <paramref name="force"/> or the interval has passed); if so, records it as sent at <paramref name="now"/>.</summary>
        private bool ProgressDue(bool force, out long now)
        {
            now = 0;
            if (_progress is null)
            {
                return false;
            }

            now = _p._time.GetTimestamp();
            if (!force && _p._time.GetElapsedTime(_lastProgress, now) < _o.ProgressInterval)
            {
                return false;
            }

            _lastProgress = now;
            return true;
        }

        private void Publish(StreamingProgress progress)
        {
            try
            {
                _progress?.Report(progress);
            }
            catch (Exception e)
            {
                Log.ProgressObserverFailed(_p._logger, e, _o.Name);
            }
        }
    }
}
