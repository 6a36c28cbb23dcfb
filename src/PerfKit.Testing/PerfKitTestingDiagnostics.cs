namespace PerfKit.Testing;

/// <summary>
/// The names under which PerfKit.Testing publishes its telemetry, for use with OpenTelemetry's
/// <c>AddMeter</c>/<c>AddSource</c> or a <see cref="System.Diagnostics.Metrics.MeterListener"/>.
/// </summary>
public static class PerfKitTestingDiagnostics
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> that PerfKit.Testing creates: the package id.</summary>
    public const string MeterName = "PerfKit.Testing";

    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> that PerfKit.Testing creates: the package id.</summary>
    public const string ActivitySourceName = "PerfKit.Testing";

    /// <summary>The instruments of the <c>PerfKit.Testing</c> meter (published by the DI runner, <c>ILoadTestRunner</c>).</summary>
    public static class Instruments
    {
        /// <summary>Counter: load runs completed, by <see cref="Tags.Run"/> and <see cref="Tags.Outcome"/> (completed, invalid, aborted).</summary>
        public const string Runs = "perfkit.testing.runs";

        /// <summary>Counter: measured iterations of load runs, by <see cref="Tags.Run"/>.</summary>
        public const string Iterations = "perfkit.testing.iterations";

        /// <summary>Counter: failed iterations of load runs, by <see cref="Tags.Run"/> and <see cref="Tags.Reason"/>.</summary>
        public const string IterationFailures = "perfkit.testing.iteration.failures";
    }

    /// <summary>The activities of the <c>PerfKit.Testing</c> activity source.</summary>
    public static class Activities
    {
        /// <summary>One load run.</summary>
        public const string Run = "perfkit.testing.run";

        /// <summary>One stress search (its steps are recorded under the search's name).</summary>
        public const string Stress = "perfkit.testing.stress";
    }

    /// <summary>Tags on PerfKit.Testing's measurements and activities; all low-cardinality.</summary>
    public static class Tags
    {
        /// <summary>The run's name, or for the steps of a stress search the search's name (never a per-step name or a rate).</summary>
        public const string Run = "perfkit.testing.run";

        /// <summary>How a run ended: <c>completed</c>, <c>invalid</c> or <c>aborted</c>.</summary>
        public const string Outcome = "perfkit.testing.outcome";

        /// <summary>
        /// Why iterations failed, as a bounded value: the exception type, <c>failed</c> for a reason given to
        /// <c>ScenarioContext.Fail</c> (free text, so never a tag value; see <c>LoadResult.FailuresByReason</c>),
        /// or <c>interrupted at graceful stop</c>.
        /// </summary>
        public const string Reason = "reason";

        /// <summary>Activity tag: the iterations a run measured.</summary>
        public const string Iterations = "perfkit.testing.iterations";

        /// <summary>Activity tag: the knee a stress search found, in arrivals per second.</summary>
        public const string Knee = "perfkit.testing.knee";
    }
}
