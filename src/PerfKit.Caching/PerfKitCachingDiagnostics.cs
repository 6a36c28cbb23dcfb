namespace PerfKit.Caching;

/// <summary>
/// The names under which PerfKit.Caching publishes its telemetry, for use with OpenTelemetry's
/// <c>AddMeter</c>/<c>AddSource</c> or a <see cref="System.Diagnostics.Metrics.MeterListener"/>.
/// </summary>
public static class PerfKitCachingDiagnostics
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> that PerfKit.Caching creates: the package id.</summary>
    public const string MeterName = "PerfKit.Caching";

    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> that PerfKit.Caching creates: the package id.</summary>
    public const string ActivitySourceName = "PerfKit.Caching";

    /// <summary>The instruments of the <c>PerfKit.Caching</c> meter.</summary>
    public static class Instruments
    {
        /// <summary>Counter: lookups by <c>level</c> (l1, l2, factory) and <c>result</c>.</summary>
        public const string Requests = "perfkit.cache.requests";

        /// <summary>Counter: factory calls by <c>result</c> (success, failure, timeout).</summary>
        public const string FactoryCalls = "perfkit.cache.factory.calls";

        /// <summary>Counter: callers that joined a load already running for their key.</summary>
        public const string Coalesced = "perfkit.cache.coalesced";

        /// <summary>Counter: stale values served, by <c>reason</c>.</summary>
        public const string StaleServed = "perfkit.cache.stale_served";

        /// <summary>Counter: L1 evictions, by <c>reason</c> (capacity, pressure).</summary>
        public const string Evictions = "perfkit.cache.evictions";

        /// <summary>Counter: L2 and backplane failures, by <c>operation</c> and <c>kind</c> (unavailable, timeout, key).</summary>
        public const string DistributedErrors = "perfkit.cache.l2.errors";

        /// <summary>Counter: backplane messages, by <c>direction</c> (sent, received).</summary>
        public const string BackplaneMessages = "perfkit.cache.backplane.messages";

        /// <summary>Counter: failed L2 writes queued in the outbox, by <c>operation</c> (set, remove, tag).</summary>
        public const string OutboxQueued = "perfkit.cache.l2.outbox.queued";

        /// <summary>Counter: queued L2 operations replayed, by <c>operation</c>.</summary>
        public const string OutboxReplayed = "perfkit.cache.l2.outbox.replayed";

        /// <summary>Counter: queued L2 operations dropped, by <c>operation</c> and <c>reason</c> (full, key, disposed).</summary>
        public const string OutboxDropped = "perfkit.cache.l2.outbox.dropped";

        /// <summary>Gauge: operations waiting in the outbox.</summary>
        public const string OutboxPending = "perfkit.cache.l2.outbox.pending";

        /// <summary>Gauge: entries in L1.</summary>
        public const string L1Entries = "perfkit.cache.l1.entries";

        /// <summary>Counter: cluster-wide single-flight loads (<see cref="CacheEntryOptions.ClusterSingleFlight"/>), by <c>outcome</c> (leader, leader_after_wait, follower, timeout, unavailable).</summary>
        public const string ClusterSingleFlight = "perfkit.cache.single_flight";

        /// <summary>Counter: keys asked of a batch loader, by <c>outcome</c> (loaded, missing, failed, coalesced, rejected); coalesced ÷ all is the coalescing ratio.</summary>
        public const string BatchKeys = "perfkit.cache.batch.keys";

        /// <summary>Histogram: distinct keys per call of a batch function, by <c>result</c> (success, failure, timeout).</summary>
        public const string BatchSize = "perfkit.cache.batch.size";

        /// <summary>Histogram: seconds a call of a batch function took, by <c>result</c>.</summary>
        public const string BatchDuration = "perfkit.cache.batch.duration";

        /// <summary>Histogram: seconds a batch's first key waited before the batch was sent, by <c>trigger</c> (full, linger).</summary>
        public const string BatchLinger = "perfkit.cache.batch.linger";

        /// <summary>Gauge: distinct keys waiting for their batch or loading, per batch loader.</summary>
        public const string BatchPending = "perfkit.cache.batch.pending";
    }

    /// <summary>Tags on PerfKit.Caching's measurements and activities; all low-cardinality (never a key).</summary>
    public static class Tags
    {
        /// <summary>The cache's name (<see cref="PerfKitCacheOptions.Name"/>).</summary>
        public const string Cache = "perfkit.cache.name";

        /// <summary>The batch loader's name (<see cref="Batching.BatchLoaderOptions.Name"/>).</summary>
        public const string BatchLoader = "perfkit.batch.name";
    }
}
