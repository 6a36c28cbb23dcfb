using System.Collections.Concurrent;

namespace PerfKit.Testing;

public static partial class LoadTest
{
    /// <summary>Striped histograms (one lock each), so workers rarely contend; merged once at the end.</summary>
    private sealed class Recorder
    {
        private readonly Stripe[] _stripes;
        private readonly ConcurrentDictionary<string, long> _failures = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, List<string>> _messages = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, long> _kinds = new(StringComparer.Ordinal);
        private int _distinctReasons;
        private readonly IReadOnlyList<LoadThreshold> _abortWhen;
        private readonly CancellationTokenSource _stop;
        private readonly Lock _checkSync = new();
        private LatencyHistogram? _checkBuffer;
        private long _iterations;
        private long _failed;
        private long _checkedSecond;
        private string? _abortedBecause;

        public Recorder(bool withOpenModelHistograms, IReadOnlyList<LoadThreshold> abortWhen, CancellationTokenSource stop, int processorCount)
        {
            _abortWhen = abortWhen;
            _stop = stop;
            _stripes = new Stripe[StripeCount(processorCount)];
            for (var i = 0; i < _stripes.Length; i++)
            {
                _stripes[i] = new Stripe(withOpenModelHistograms);
            }
        }

        /// <summary>The metric tag value of failures given by <see cref="ScenarioContext.Fail"/>: their reason is free text.</summary>
        internal const string FailedKind = "failed";

        public TimeSpan MeasuredFrom { get; set; }

        /// <summary>
        /// Two stripes a core keep workers apart, but each stripe holds up to three 220 KB histograms: uncapped, a
        /// 64-core machine would spend 85 MB on them. Past <see cref="MaxStripes"/> the locks (held for a few
        /// nanoseconds a record) are not what limits a run.
        /// </summary>
        internal static int StripeCount(int processorCount) => Math.Clamp(processorCount * 2, 2, MaxStripes);

        internal const int MaxStripes = 16;

        public void Record(TimeSpan began, TimeSpan latency, TimeSpan? uncorrected, TimeSpan? lag, Outcome outcome)
        {
            var failure = outcome.Reason;

            // The stripe of the core this thread runs on (the runtime caches the id): a stripe is then written from
            // one core, and its lines stay in that core's cache. Chosen by virtual user, every stripe was written from
            // every core, and each record fetched its lines from the other core. The lock keeps it correct when a
            // thread moves between reading the id and taking the lock.
            var stripe = _stripes[(int)((uint)Thread.GetCurrentProcessorId() % (uint)_stripes.Length)];
            var second = (int)Math.Max(0, (began - MeasuredFrom).Ticks / TimeSpan.TicksPerSecond);
            lock (stripe.Sync)
            {
                stripe.Count++;
                stripe.Latency.Record(latency);
                while (stripe.Timeline.Count <= second)
                {
                    stripe.Timeline.Add(default);
                }

                var bucket = stripe.Timeline[second];
                stripe.Timeline[second] = new SecondTotals(bucket.Iterations + 1, bucket.Failures + (failure is null ? 0 : 1), bucket.TotalTicks + latency.Ticks, Math.Max(bucket.MaxTicks, latency.Ticks));
                if (uncorrected is { } u)
                {
                    stripe.Uncorrected!.Record(u);
                }

                if (lag is { } l)
                {
                    stripe.Lag!.Record(l);
                }
            }

            if (failure is not null)
            {
                // The metric's kind: an exception type (named in code, so few) or the graceful stop's reason, else "failed".
                var kind = outcome.Message is not null || failure is Interrupted ? failure : FailedKind;
                failure = Bounded(failure);
                _kinds.AddOrUpdate(kind, 1, static (_, n) => n + 1);
                _failures.AddOrUpdate(failure, 1, static (_, n) => n + 1);
                if (outcome.Message is { } message)
                {
                    KeepMessage(failure, message);
                }
            }

            if (_abortWhen.Count > 0)
            {
                CheckThresholds(second, failure is not null);
            }
        }

        // Free text (ScenarioContext.Fail) must not grow the result without bound: the first distinct reasons, each cut
        // like a message, then one "other reasons" entry. Two workers racing on one new reason may use two of the slots.
        private string Bounded(string reason)
        {
            if (reason is Interrupted || _failures.ContainsKey(reason))
            {
                return reason;
            }

            reason = Cut(reason);
            if (_failures.ContainsKey(reason))
            {
                return reason;
            }

            return Volatile.Read(ref _distinctReasons) < LoadResult.MaxFailureReasons && Interlocked.Increment(ref _distinctReasons) <= LoadResult.MaxFailureReasons
                ? reason
                : LoadResult.OtherFailureReasons;
        }

        private static string Cut(string text) =>
            text.Length <= LoadResult.MaxFailureMessageLength ? text : string.Concat(text.AsSpan(0, LoadResult.MaxFailureMessageLength - 1), "…");

        // The first distinct messages of each reason, bounded in number and length: a report says why, in constant memory.
        private void KeepMessage(string reason, string message)
        {
            var kept = _messages.GetOrAdd(reason, static _ => new List<string>(LoadResult.MaxFailureMessagesPerReason));
            lock (kept)
            {
                if (kept.Count >= LoadResult.MaxFailureMessagesPerReason)
                {
                    return;
                }

                var text = Cut(message);
                if (!kept.Contains(text))
                {
                    kept.Add(text);
                }
            }
        }

        // Once per second of the run (by the first iteration recorded in it), on everything measured so far.
        private void CheckThresholds(int second, bool failed)
        {
            Interlocked.Increment(ref _iterations);
            if (failed)
            {
                Interlocked.Increment(ref _failed);
            }

            var checkedSecond = Volatile.Read(ref _checkedSecond);
            if (second <= checkedSecond || Interlocked.CompareExchange(ref _checkedSecond, second, checkedSecond) != checkedSecond)
            {
                return;
            }

            // One check at a time (two seconds can be checked at once by different workers), on one reused merge
            // buffer: a 220 KB copy a second would otherwise be garbage.
            lock (_checkSync)
            {
                var iterations = Volatile.Read(ref _iterations);
                var failures = Volatile.Read(ref _failed);
                LatencyHistogram? latency = null;
                foreach (var threshold in _abortWhen)
                {
                    if (threshold.NeedsLatency && latency is null && iterations >= threshold.MinIterations)
                    {
                        _checkBuffer ??= new LatencyHistogram();
                        _checkBuffer.Reset();
                        latency = MergeInto(_checkBuffer, s => s.Latency);
                    }

                    if (threshold.Broken(iterations, failures, latency) is { } reason)
                    {
                        if (Interlocked.CompareExchange(ref _abortedBecause, reason, null) is null)
                        {
                            _stop.Cancel();
                        }

                        return;
                    }
                }
            }
        }

        public TimeSpan SchedulerLagPercentile(double percentile) => Merge(s => s.Lag)?.Percentile(percentile) ?? TimeSpan.Zero;

        public LoadResult Result(string name, string model, TimeSpan duration, long dropped, string? invalidReason, bool closed) =>
            new(name, model, _stripes.Sum(s => s.Count), new Dictionary<string, long>(_failures, StringComparer.Ordinal), Merge(s => s.Latency)!, Merge(s => s.Uncorrected), Merge(s => s.Lag), dropped, duration, invalidReason, Timeline())
            {
                AbortedBecause = Volatile.Read(ref _abortedBecause),
                FailureMessages = _messages.ToDictionary(m => m.Key, m => { lock (m.Value) { return (IReadOnlyList<string>)[.. m.Value]; } }, StringComparer.Ordinal),
                IsClosedModel = closed,
                FailuresByKind = new Dictionary<string, long>(_kinds, StringComparer.Ordinal),
            };

        private List<LoadSecond> Timeline()
        {
            var seconds = _stripes.Max(s => s.Timeline.Count);
            var timeline = new List<LoadSecond>(seconds);
            for (var second = 0; second < seconds; second++)
            {
                long iterations = 0, failures = 0, total = 0, max = 0;
                foreach (var stripe in _stripes)
                {
                    lock (stripe.Sync)
                    {
                        if (second < stripe.Timeline.Count)
                        {
                            var bucket = stripe.Timeline[second];
                            iterations += bucket.Iterations;
                            failures += bucket.Failures;
                            total += bucket.TotalTicks;
                            max = Math.Max(max, bucket.MaxTicks);
                        }
                    }
                }

                timeline.Add(new LoadSecond(second, iterations, failures, iterations == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(total / iterations), TimeSpan.FromTicks(max)));
            }

            return timeline;
        }

        private LatencyHistogram? Merge(Func<Stripe, LatencyHistogram?> pick) =>
            pick(_stripes[0]) is null ? null : MergeInto(new LatencyHistogram(), pick);

        private LatencyHistogram MergeInto(LatencyHistogram merged, Func<Stripe, LatencyHistogram?> pick)
        {
            foreach (var stripe in _stripes)
            {
                lock (stripe.Sync)
                {
                    merged.Add(pick(stripe)!);
                }
            }

            return merged;
        }

        private readonly record struct SecondTotals(long Iterations, long Failures, long TotalTicks, long MaxTicks);

        private sealed class Stripe(bool open)
        {
            public readonly List<SecondTotals> Timeline = [];
            public readonly Lock Sync = new();
            public readonly LatencyHistogram Latency = new();
            public readonly LatencyHistogram? Uncorrected = open ? new LatencyHistogram() : null;
            public readonly LatencyHistogram? Lag = open ? new LatencyHistogram() : null;
            public long Count;

            // Allocated last, after this stripe's lock and histograms: keeps the next stripe's objects (written from
            // another core) off the cache lines of this one's.
            public readonly byte[] Apart = new byte[128];
        }
    }
}
