using System.Globalization;
using System.Text;

namespace PerfKit.Testing;

/// <summary>The outcome of a load run: counts, failures by reason, latency histograms, and whether the run is valid.</summary>
public sealed class LoadResult
{
    internal LoadResult(string name, string model, long iterations, IReadOnlyDictionary<string, long> failures, LatencyHistogram latency, LatencyHistogram? uncorrected, LatencyHistogram? schedulerLag, long dropped, TimeSpan duration, string? invalidReason, IReadOnlyList<LoadSecond> timeline)
    {
        Timeline = timeline;
        Name = name;
        Model = model;
        Iterations = iterations;
        FailuresByReason = failures;
        Latency = latency;
        UncorrectedLatency = uncorrected;
        SchedulerLag = schedulerLag;
        Dropped = dropped;
        Duration = duration;
        InvalidReason = invalidReason;
    }

    /// <summary>The run's name.</summary>
    public string Name { get; }

    /// <summary>The load model, described.</summary>
    public string Model { get; }

    /// <summary>Iterations completed (passed or failed).</summary>
    public long Iterations { get; }

    /// <summary>
    /// Failed iterations: by check reason, or by exception type for scenarios that threw (their messages:
    /// <see cref="FailureMessages"/>). Bounded: the first <see cref="MaxFailureReasons"/> distinct reasons are kept (each
    /// cut to <see cref="MaxFailureMessageLength"/> characters), later new ones are counted under
    /// <see cref="OtherFailureReasons"/>, and iterations cut off at the graceful stop always have their own entry.
    /// </summary>
    public IReadOnlyDictionary<string, long> FailuresByReason { get; }

    /// <summary>The most distinct failure reasons kept in <see cref="FailuresByReason"/>; failures for reasons first seen after that are counted under <see cref="OtherFailureReasons"/>.</summary>
    public const int MaxFailureReasons = 20;

    /// <summary>The key in <see cref="FailuresByReason"/> under which failures past <see cref="MaxFailureReasons"/> distinct reasons are counted.</summary>
    public const string OtherFailureReasons = "other reasons";

    /// <summary>Failures by a bounded kind, for metric tags: the exception type, <c>failed</c> for <see cref="ScenarioContext.Fail"/>, or the graceful stop's reason.</summary>
    internal IReadOnlyDictionary<string, long> FailuresByKind { get; init; } = new Dictionary<string, long>();

    /// <summary>The most distinct messages kept for each exception type in <see cref="FailureMessages"/>.</summary>
    public const int MaxFailureMessagesPerReason = 3;

    /// <summary>The longest message kept in <see cref="FailureMessages"/>, in characters; longer ones are cut and end with an ellipsis.</summary>
    public const int MaxFailureMessageLength = 200;

    /// <summary>
    /// For scenarios that threw: the first distinct exception messages of each reason (exception type) in
    /// <see cref="FailuresByReason"/>, at most <see cref="MaxFailureMessagesPerReason"/> each, each at most
    /// <see cref="MaxFailureMessageLength"/> characters, so a report says why and not only what.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> FailureMessages { get; internal init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Failed iterations in all.</summary>
    public long Failures => FailuresByReason.Values.Sum();

    /// <summary>Failed iterations over completed ones (0 when none ran).</summary>
    public double ErrorRate => Iterations == 0 ? 0 : Failures / (double)Iterations;

    /// <summary>
    /// Latency of every iteration. In the open model it is measured from the intended start (coordinated-omission
    /// corrected); in the closed model from the actual start.
    /// </summary>
    public LatencyHistogram Latency { get; }

    /// <summary>Open model: latency from the actual start, for comparison (what a naive tool reports).</summary>
    public LatencyHistogram? UncorrectedLatency { get; }

    /// <summary>Open model: how late the generator started iterations against the schedule.</summary>
    public LatencyHistogram? SchedulerLag { get; }

    /// <summary>Open model: arrivals not started because the concurrency limit was reached.</summary>
    public long Dropped { get; }

    /// <summary>
    /// One entry per second of the measured run (by iteration start; intended start in the open model): iterations,
    /// failures, mean and max latency. A few dozen bytes a second, never raw samples.
    /// </summary>
    public IReadOnlyList<LoadSecond> Timeline { get; }

    /// <summary>How long the measured run took (after any warm-up).</summary>
    public TimeSpan Duration { get; }

    /// <summary>Completed iterations per second.</summary>
    public double Throughput => Duration <= TimeSpan.Zero ? 0 : Iterations / Duration.TotalSeconds;

    /// <summary>Whether the generator kept up: no dropped arrivals and scheduler lag within bounds.</summary>
    public bool IsValid => InvalidReason is null;

    /// <summary>Why the run is invalid, or <see langword="null"/>.</summary>
    public string? InvalidReason { get; }

    /// <summary>
    /// The threshold of <see cref="LoadModel.AbortWhen"/> that stopped the run early, with the figure that broke it,
    /// or <see langword="null"/> when the run went to its limit.
    /// </summary>
    public string? AbortedBecause { get; internal init; }

    /// <summary>Whether the run used a <see cref="ClosedModel"/> (see <see cref="ClosedModelNote"/>).</summary>
    internal bool IsClosedModel { get; init; }

    /// <summary>What a closed model's percentiles leave out, said wherever they are shown.</summary>
    internal const string ClosedModelNote = "closed model: its percentiles exclude the waiting of arrivals that were never sent (each virtual user waits for its previous iteration, so a stall is one slow sample, not one per user that would have arrived); use an OpenModel for latency SLOs";

    /// <summary>Whether a threshold stopped the run early.</summary>
    public bool WasAborted => AbortedBecause is not null;

    /// <summary>A failure reason with its kept messages, quoted: <c>InvalidOperationException: "pool exhausted"; "…"</c>.</summary>
    internal string DescribeFailure(string reason) =>
        FailureMessages.TryGetValue(reason, out var messages) && messages.Count > 0
            ? reason + ": " + string.Join("; ", messages.Select(m => "\"" + m + "\""))
            : reason;

    /// <summary>The percentiles every summary shows (text, HTML, JSON), before the max.</summary>
    internal static readonly double[] SummaryPercentiles = [50, 90, 95, 99, 99.9];

    /// <summary>The histograms a summary shows, labelled: latency (corrected, in the open model), then uncorrected and scheduler lag when there are.</summary>
    internal IEnumerable<(string Label, LatencyHistogram Histogram)> LatencyRows()
    {
        yield return (UncorrectedLatency is null ? "latency" : "corrected (from intended start)", Latency);
        if (UncorrectedLatency is not null)
        {
            yield return ("uncorrected (from actual start)", UncorrectedLatency);
        }

        if (SchedulerLag is not null)
        {
            yield return ("scheduler lag", SchedulerLag);
        }
    }

    /// <summary>A Markdown summary table, for test output.</summary>
    /// <returns>The summary.</returns>
    public override string ToString()
    {
        static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture);
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Load run '{Name}' ({Model}): {Iterations:N0} iterations in {Duration.TotalSeconds:0.##} s, {Throughput:N0}/s, errors {ErrorRate:P2}, {(IsValid ? "valid" : "INVALID: " + InvalidReason)}")
            .AppendLine(WasAborted ? "ABORTED early: " + AbortedBecause + Environment.NewLine : string.Empty)
            .AppendLine("| latency (ms) | p50 | p90 | p95 | p99 | p99.9 | max |")
            .AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (label, h) in LatencyRows())
        {
            text.Append(CultureInfo.InvariantCulture, $"| {label} |");
            foreach (var p in SummaryPercentiles)
            {
                text.Append(CultureInfo.InvariantCulture, $" {Ms(h.Percentile(p))} |");
            }

            text.AppendLine(CultureInfo.InvariantCulture, $" {Ms(h.Max)} |");
        }

        if (IsClosedModel)
        {
            text.AppendLine("Note: " + ClosedModelNote + ".");
        }

        foreach (var (reason, count) in FailuresByReason.OrderByDescending(f => f.Value))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- failed {count:N0}×: {DescribeFailure(reason)}");
        }

        if (Dropped > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- dropped arrivals: {Dropped:N0}");
        }

        return text.ToString();
    }
}
