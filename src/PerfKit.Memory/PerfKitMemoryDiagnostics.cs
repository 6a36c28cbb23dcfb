namespace PerfKit.Memory;

/// <summary>
/// The names under which PerfKit.Memory publishes its telemetry, for use with OpenTelemetry's
/// <c>AddMeter</c> or a <see cref="System.Diagnostics.Metrics.MeterListener"/>.
/// </summary>
public static class PerfKitMemoryDiagnostics
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> that PerfKit.Memory creates: the package id.</summary>
    public const string MeterName = "PerfKit.Memory";

    /// <summary>The instruments of the <c>PerfKit.Memory</c> meter.</summary>
    public static class Instruments
    {
        /// <summary>Counter: reclaims run, by <see cref="Tags.Trigger"/> and <see cref="Tags.Result"/> (reached, missed, cancelled).</summary>
        public const string Reclaims = "perfkit.memory.reclaims";

        /// <summary>Counter (bytes): memory freed by reclaims, as measured.</summary>
        public const string Reclaimed = "perfkit.memory.reclaimed";

        /// <summary>Histogram (seconds): how long reclaims took, by <see cref="Tags.Trigger"/>.</summary>
        public const string ReclaimDuration = "perfkit.memory.reclaim.duration";

        /// <summary>Counter: responders that threw or timed out, by <see cref="Tags.Responder"/> and <see cref="Tags.Outcome"/> (error, timeout).</summary>
        public const string ResponderFailures = "perfkit.memory.responder.failures";

        /// <summary>Counter: lazy resource loads, by <see cref="Tags.Resource"/> and <see cref="Tags.Result"/> (success, failure, and cancelled for a load that the resource's dispose cancelled).</summary>
        public const string ResourceLoads = "perfkit.memory.resource.loads";

        /// <summary>Histogram (seconds): how long lazy resources took to load, by <see cref="Tags.Resource"/>.</summary>
        public const string ResourceLoadDuration = "perfkit.memory.resource.load.duration";

        /// <summary>Counter: lazy resource unloads, by <see cref="Tags.Resource"/> and <see cref="Tags.Reason"/> (idle, pressure, manual, dispose, deferred).</summary>
        public const string ResourceUnloads = "perfkit.memory.resource.unloads";

        /// <summary>Gauge: the pressure level, 0 Normal, 1 Elevated, 2 High, 3 Critical.</summary>
        public const string PressureLevel = "perfkit.memory.pressure.level";

        /// <summary>Gauge (bytes): the memory budget.</summary>
        public const string Budget = "perfkit.memory.budget";

        /// <summary>Gauge (bytes): the usage counted against the budget.</summary>
        public const string Usage = "perfkit.memory.usage";

        /// <summary>Observable counter: rents from PerfKit pools, by <see cref="Tags.Pool"/>.</summary>
        public const string PoolRents = "perfkit.memory.pool.rents";

        /// <summary>Observable counter: rents a pool could not serve from what it retained, by <see cref="Tags.Pool"/>.</summary>
        public const string PoolMisses = "perfkit.memory.pool.misses";

        /// <summary>Observable counter: returns to PerfKit pools, by <see cref="Tags.Pool"/>.</summary>
        public const string PoolReturns = "perfkit.memory.pool.returns";

        /// <summary>Observable counter: returns a pool dropped (full, or over its byte cap), by <see cref="Tags.Pool"/>.</summary>
        public const string PoolDropped = "perfkit.memory.pool.dropped";

        /// <summary>Observable counter: pool trims, by <see cref="Tags.Pool"/>.</summary>
        public const string PoolTrims = "perfkit.memory.pool.trims";

        /// <summary>Gauge (bytes): what a pool retains, by <see cref="Tags.Pool"/>.</summary>
        public const string PoolRetained = "perfkit.memory.pool.retained";
    }

    /// <summary>Tags on PerfKit.Memory's measurements; all low-cardinality (names chosen once per object, outcomes from fixed sets).</summary>
    public static class Tags
    {
        /// <summary>The pool's name (<c>BoundedArrayPoolOptions.Name</c>, <c>BoundedObjectPoolOptions.Name</c>).</summary>
        public const string Pool = "perfkit.pool.name";

        /// <summary>The lazy resource's name (<c>LazyResourceOptions.Name</c>).</summary>
        public const string Resource = "perfkit.resource.name";

        /// <summary>The responder's name (<see cref="IMemoryPressureResponder.Name"/>).</summary>
        public const string Responder = "perfkit.responder.name";

        /// <summary>What started a reclaim: <c>manual</c> or <c>automatic</c>.</summary>
        public const string Trigger = "perfkit.reclaim.trigger";

        /// <summary>The result of an operation, from a fixed set per instrument.</summary>
        public const string Result = "result";

        /// <summary>Why something happened, from a fixed set per instrument.</summary>
        public const string Reason = "reason";

        /// <summary>How a responder failed: <c>error</c> or <c>timeout</c>.</summary>
        public const string Outcome = "outcome";
    }
}
