namespace PerfKit.Testing;

/// <summary>
/// Peak managed memory of an operation: the heap is sampled on a dedicated thread while the operation runs, and the
/// size just before every collection is taken from the runtime, so a peak freed by a GC between samples is still
/// seen. The heap is process-wide: measure with nothing else running (for example in an xUnit collection with
/// parallelization disabled).
/// </summary>
public static class PeakMemory
{
    /// <summary>Measures an asynchronous operation.</summary>
    /// <param name="operation">The operation.</param>
    /// <param name="sampleInterval">Time between heap samples; default 1 ms.</param>
    /// <returns>The measurement.</returns>
    public static async Task<PeakMemoryResult> MeasureAsync(Func<Task> operation, TimeSpan? sampleInterval = null)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var sampler = Sampler.Start(sampleInterval);
        try
        {
            await operation().ConfigureAwait(false);
        }
        finally
        {
            sampler.Stop();
        }

        return sampler.Result();
    }

    /// <summary>Measures a synchronous operation.</summary>
    /// <param name="operation">The operation.</param>
    /// <param name="sampleInterval">Time between heap samples; default 1 ms.</param>
    /// <returns>The measurement.</returns>
    public static PeakMemoryResult Measure(Action operation, TimeSpan? sampleInterval = null)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var sampler = Sampler.Start(sampleInterval);
        try
        {
            operation();
        }
        finally
        {
            sampler.Stop();
        }

        return sampler.Result();
    }

    internal static long LiveHeapBytes()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: false);
    }

    private sealed class Sampler
    {
        private readonly Thread _thread;
        private readonly TimeSpan _interval;
        private readonly long _baseline;
        private readonly long _allocated;
        private readonly int _gen0;
        private readonly int _gen1;
        private readonly int _gen2;
        private readonly ManualResetEventSlim _stop = new();
        private long _peak;
        private int _samples;
        private int _seenCollections;
        private long _allocatedAfter;
        private int _gen0After;
        private int _gen1After;
        private int _gen2After;

        private Sampler(TimeSpan interval)
        {
            _interval = interval;
            _baseline = LiveHeapBytes();
            _peak = _baseline;
            _gen0 = GC.CollectionCount(0);
            _gen1 = GC.CollectionCount(1);
            _gen2 = GC.CollectionCount(2);
            _seenCollections = _gen0;
            _allocated = GC.GetTotalAllocatedBytes(precise: true);
            _thread = new Thread(Run) { IsBackground = true, Name = "PerfKit peak memory sampler", Priority = ThreadPriority.AboveNormal };
        }

        public static Sampler Start(TimeSpan? sampleInterval)
        {
            var interval = sampleInterval ?? TimeSpan.FromMilliseconds(1);
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero, nameof(sampleInterval));
            var sampler = new Sampler(interval);
            sampler._thread.Start();
            return sampler;
        }

        public void Stop()
        {
            _allocatedAfter = GC.GetTotalAllocatedBytes(precise: true);
            _gen0After = GC.CollectionCount(0);
            _gen1After = GC.CollectionCount(1);
            _gen2After = GC.CollectionCount(2);
            _stop.Set();
            _thread.Join();
            Sample(); // the end state, garbage included, before anything collects it
        }

        public PeakMemoryResult Result()
        {
            var retained = LiveHeapBytes() - _baseline;
            _stop.Dispose();
            return new PeakMemoryResult(_baseline, _peak, retained, _allocatedAfter - _allocated, _gen0After - _gen0, _gen1After - _gen1, _gen2After - _gen2, _samples);
        }

        private void Run()
        {
            do
            {
                Sample();
            }
            while (!_stop.Wait(_interval));
        }

        private void Sample()
        {
            _samples++;
            var now = GC.GetTotalMemory(forceFullCollection: false);
            if (now > _peak)
            {
                _peak = now;
            }

            // Every collection (all are counted as gen0) since the last sample: the heap just before the newest one.
            var collections = GC.CollectionCount(0);
            if (collections != _seenCollections)
            {
                _seenCollections = collections;
                var info = GC.GetGCMemoryInfo(GCKind.Any);
                long before = 0;
                foreach (var generation in info.GenerationInfo)
                {
                    before += generation.SizeBeforeBytes - generation.FragmentationBeforeBytes;
                }

                if (before > _peak)
                {
                    _peak = before;
                }
            }
        }
    }
}
