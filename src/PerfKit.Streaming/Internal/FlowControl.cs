namespace PerfKit.Streaming.Internal;

/// <summary>
/// Admission and completion in one lock: the byte bound and the item window that the source waits on, and the
/// low-water mark with the set of items done above it that a checkpoint records. The window (an item is admitted only
/// when its position is below the low-water mark plus <c>MaxItemsInFlight</c>) bounds that set and the reorder buffer.
/// One producer waits on it at a time.
/// </summary>
internal sealed class FlowControl
{
    private readonly Lock _sync = new();
    private readonly long _maxBytes;
    private readonly int _window;
    private readonly long _initialLowWater;
    private readonly string? _initialLowWaterKey;
    private readonly SortedDictionary<long, string> _doneAbove = [];
    private long _bytesInFlight;
    private long _itemsInFlight;
    private long _lowWater;
    private string? _lowWaterKey;
    private TaskCompletionSource? _admission;
    private TaskCompletionSource _blocked = NewSignal();

    public FlowControl(long maxBytes, int window, StreamingCheckpoint? checkpoint)
    {
        _maxBytes = maxBytes;
        _window = window;
        if (checkpoint is not null)
        {
            _lowWater = _initialLowWater = checkpoint.LowWaterMark;
            _lowWaterKey = _initialLowWaterKey = checkpoint.LowWaterKey;
            foreach (var (sequence, key) in checkpoint.CompletedAbove)
            {
                if (sequence >= _lowWater)
                {
                    _doneAbove[sequence] = key;
                }
            }
        }
    }

    public long InitialLowWater => _initialLowWater;

    public long BytesInFlight
    {
        get
        {
            lock (_sync)
            {
                return _bytesInFlight;
            }
        }
    }

    public long ItemsInFlight
    {
        get
        {
            lock (_sync)
            {
                return _itemsInFlight;
            }
        }
    }

    /// <summary>Completed when the producer waits for admission (already completed while it does).</summary>
    public Task ProducerBlocked
    {
        get
        {
            lock (_sync)
            {
                return _blocked.Task;
            }
        }
    }

    public bool IsProducerBlocked
    {
        get
        {
            lock (_sync)
            {
                return _blocked.Task.IsCompleted;
            }
        }
    }

    /// <summary>True when an earlier run's checkpoint records the item as done (and it is still the same item).</summary>
    public bool IsAlreadyDone(long sequence, string key)
    {
        lock (_sync)
        {
            if (sequence < _initialLowWater)
            {
                if (sequence == _initialLowWater - 1 && _initialLowWaterKey is not null && !string.Equals(key, _initialLowWaterKey, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException(
                        $"The source changed since the checkpoint was written: item {sequence} is '{key}', the checkpoint expected '{_initialLowWaterKey}'. Resuming would skip the wrong items; delete the checkpoint to start over.");
                }

                return true;
            }

            if (_doneAbove.TryGetValue(sequence, out var done))
            {
                if (string.Equals(done, key, StringComparison.Ordinal))
                {
                    return true;
                }

                _doneAbove.Remove(sequence);
            }

            return false;
        }
    }

    public async ValueTask AdmitAsync(long sequence, long weight, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_sync)
            {
                if (sequence < _lowWater + _window && (_bytesInFlight == 0 || _bytesInFlight + weight <= _maxBytes))
                {
                    _bytesInFlight += weight;
                    _itemsInFlight++;
                    if (_blocked.Task.IsCompleted)
                    {
                        _blocked = NewSignal();
                    }

                    return;
                }

                _admission = NewSignal();
                wait = _admission.Task;
                _blocked.TrySetResult();
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Release(long weight)
    {
        TaskCompletionSource? wake;
        lock (_sync)
        {
            _bytesInFlight -= weight;
            _itemsInFlight--;
            wake = _admission;
            _admission = null;
        }

        wake?.TrySetResult();
    }

    public void MarkDone(long sequence, string key)
    {
        TaskCompletionSource? wake = null;
        lock (_sync)
        {
            if (sequence == _lowWater)
            {
                _lowWater++;
                _lowWaterKey = key;
                while (_doneAbove.Remove(_lowWater, out var next))
                {
                    _lowWaterKey = next;
                    _lowWater++;
                }

                wake = _admission;
                _admission = null;
            }
            else if (sequence > _lowWater)
            {
                _doneAbove[sequence] = key;
            }
        }

        wake?.TrySetResult();
    }

    public (long LowWater, int DoneAbove) Position
    {
        get
        {
            lock (_sync)
            {
                return (_lowWater, _doneAbove.Count);
            }
        }
    }

    public StreamingCheckpoint Snapshot(bool finished)
    {
        lock (_sync)
        {
            return new StreamingCheckpoint(_lowWater, _lowWaterKey, _doneAbove.ToArray(), finished);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
