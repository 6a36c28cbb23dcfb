using System.Globalization;
using System.Text;

namespace PerfKit.Testing;

/// <summary>The outcome of a stress search: the knee (highest sustained rate) and every step as evidence.</summary>
public sealed class StressResult
{
    internal StressResult(string name, StressOptions options, IReadOnlyList<StressStep> steps, string stoppedBecause)
    {
        Name = name;
        Options = options;
        Steps = steps;
        StoppedBecause = stoppedBecause;
        KneeStep = steps.Where(s => s.Sustained).MaxBy(s => s.Rate);
    }

    /// <summary>The search's name.</summary>
    public string Name { get; }

    /// <summary>The options it ran with.</summary>
    public StressOptions Options { get; }

    /// <summary>Every step, in the order run.</summary>
    public IReadOnlyList<StressStep> Steps { get; }

    /// <summary>The highest sustained step, or <see langword="null"/> if even the first was not sustained.</summary>
    public StressStep? KneeStep { get; }

    /// <summary>The knee: the highest arrival rate per second sustained within the SLO (0 if none was).</summary>
    public double Knee => KneeStep?.Rate ?? 0;

    /// <summary>
    /// Whether the search ended at a step whose <em>generator</em> could not keep up (an invalid run): the knee is
    /// then a lower bound set by the load generator, not the system.
    /// </summary>
    public bool LimitedByGenerator => Steps.Any(s => !s.Sustained && !s.Run.IsValid && s.Run.Dropped == 0);

    /// <summary>Why the search ended.</summary>
    public string StoppedBecause { get; }

    /// <summary>A Markdown summary: the knee, then one row per step.</summary>
    /// <returns>The summary.</returns>
    public override string ToString()
    {
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Stress search '{Name}': knee {Knee:N0}/s (p{Options.SloPercentile} < {Options.SloLatency.TotalMilliseconds:0.###} ms, errors ≤ {Options.MaxErrorRate * 100:0.##}%); {StoppedBecause}")
            .AppendLine()
            .AppendLine("| rate (/s) | sustained | p50 (ms) | p99 (ms) | errors | throughput (/s) | evidence |")
            .AppendLine("|---:|---|---:|---:|---:|---:|---|");
        foreach (var step in Steps)
        {
            var run = step.Run;
            text.AppendLine(CultureInfo.InvariantCulture, $"| {step.Rate:N0} | {(step.Sustained ? "yes" : "**no**")} | {run.Latency.Percentile(50).TotalMilliseconds:0.###} | {run.Latency.Percentile(99).TotalMilliseconds:0.###} | {run.ErrorRate * 100:0.##}% | {run.Throughput:N0} | {step.Reason.Replace("|", "\\|", StringComparison.Ordinal)} |");
        }

        return text.ToString();
    }
}
