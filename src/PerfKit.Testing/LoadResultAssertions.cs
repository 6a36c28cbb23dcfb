using System.Globalization;
using FluentAssertions;
using FluentAssertions.Execution;

namespace PerfKit.Testing;

/// <summary>
/// Thresholds on a <see cref="LoadResult"/>. Latency and throughput assertions fail on an invalid run whatever its
/// figures: a run whose generator could not keep up measured the generator, not the system.
/// </summary>
public sealed class LoadResultAssertions
{
    internal LoadResultAssertions(LoadResult subject) => Subject = subject ?? throw new ArgumentNullException(nameof(subject));

    /// <summary>The result.</summary>
    public LoadResult Subject { get; }

    /// <summary>Asserts the run is valid (no dropped arrivals, scheduler lag within bounds).</summary>
    /// <param name="because">Why, for the failure message.</param>
    /// <param name="becauseArgs">Arguments of <paramref name="because"/>.</param>
    /// <returns>The assertions, for chaining.</returns>
    public AndConstraint<LoadResultAssertions> BeValid(string because = "", params object[] becauseArgs)
    {
        Execute.Assertion.BecauseOf(because, becauseArgs).ForCondition(Subject.IsValid)
            .FailWith(Escape($"Expected load run '{Subject.Name}' to be valid{{reason}}, but {Subject.InvalidReason}.\n{Subject}"));
        return new AndConstraint<LoadResultAssertions>(this);
    }

    /// <summary>Asserts no threshold of <see cref="LoadModel.AbortWhen"/> stopped the run early.</summary>
    /// <param name="because">Why, for the failure message.</param>
    /// <param name="becauseArgs">Arguments of <paramref name="because"/>.</param>
    /// <returns>The assertions, for chaining.</returns>
    public AndConstraint<LoadResultAssertions> NotHaveBeenAborted(string because = "", params object[] becauseArgs)
    {
        Execute.Assertion.BecauseOf(because, becauseArgs).ForCondition(!Subject.WasAborted)
            .FailWith(Escape($"Expected load run '{Subject.Name}' to run to its limit{{reason}}, but it was aborted: {Subject.AbortedBecause}.\n{Subject}"));
        return new AndConstraint<LoadResultAssertions>(this);
    }

    /// <summary>Asserts the 95th percentile latency is below <paramref name="limit"/>.</summary>
    /// <param name="limit">The SLO.</param>
    /// <param name="because">Why, for the failure message.</param>
    /// <param name="becauseArgs">Arguments of <paramref name="because"/>.</param>
    /// <returns>The assertions, for chaining.</returns>
    public AndConstraint<LoadResultAssertions> HaveP95Below(TimeSpan limit, string because = "", params object[] becauseArgs) =>
        HavePercentileBelow(95, limit, because, becauseArgs);

    /// <summary>Asserts the 99th percentile latency is below <paramref name="limit"/>.</summary>
    /// <param name="limit">The SLO.</param>
    /// <param name="because">Why, for the failure message.</param>
    /// <param name="becauseArgs">Arguments of <paramref name="because"/>.</param>
    /// <returns>The assertions, for chaining.</returns>
    public AndConstraint<LoadResultAssertions> HaveP99Below(TimeSpan limit, string because = "", params object[] becauseArgs) =>
        HavePercentileBelow(99, limit, because, becauseArgs);

    /// <summary>Asserts a latency percentile is below <paramref name="limit"/>.</summary>
    /// <param name="percentile">The percentile, 0–100.</param>
    /// <param name="limit">The SLO.</param>
    /// <param name="because">Why, for the failure message.</param>
    /// <param name="becauseArgs">Arguments of <paramref name="because"/>.</param>
    /// <returns>The assertions, for chaining.</returns>
    public AndConstraint<LoadResultAssertions> HavePercentileBelow(double percentile, TimeSpan limit, string because = "", params object[] becauseArgs)
    {
        BeValid(because, becauseArgs);
        var actual = Subject.Latency.Percentile(percentile);
        Execute.Assertion.BecauseOf(because, becauseArgs).ForCondition(actual < limit)
            .FailWith(Escape(string.Create(CultureInfo.InvariantCulture, $"Expected p{percentile} latency of '{Subject.Name}' below {limit.TotalMilliseconds} ms{{reason}}, but it was {actual.TotalMilliseconds:0.###} ms.\n{Subject}")));
        return new AndConstraint<LoadResultAssertions>(this);
    }

    /// <summary>Asserts the share of failed iterations is below <paramref name="maximum"/> (0–1).</summary>
    /// <param name="maximum">The highest acceptable error rate, exclusive.</param>
    /// <param name="because">Why, for the failure message.</param>
    /// <param name="becauseArgs">Arguments of <paramref name="because"/>.</param>
    /// <returns>The assertions, for chaining.</returns>
    public AndConstraint<LoadResultAssertions> HaveErrorRateBelow(double maximum, string because = "", params object[] becauseArgs)
    {
        Execute.Assertion.BecauseOf(because, becauseArgs).ForCondition(Subject.ErrorRate < maximum)
            .FailWith(Escape(string.Create(CultureInfo.InvariantCulture, $"Expected error rate of '{Subject.Name}' below {maximum:P2}{{reason}}, but it was {Subject.ErrorRate:P2}.\n{Subject}")));
        return new AndConstraint<LoadResultAssertions>(this);
    }

    /// <summary>Asserts throughput (completed iterations per second) is above <paramref name="minimum"/>.</summary>
    /// <param name="minimum">The lowest acceptable rate, exclusive.</param>
    /// <param name="because">Why, for the failure message.</param>
    /// <param name="becauseArgs">Arguments of <paramref name="because"/>.</param>
    /// <returns>The assertions, for chaining.</returns>
    public AndConstraint<LoadResultAssertions> HaveThroughputAbove(double minimum, string because = "", params object[] becauseArgs)
    {
        BeValid(because, becauseArgs);
        Execute.Assertion.BecauseOf(because, becauseArgs).ForCondition(Subject.Throughput > minimum)
            .FailWith(Escape(string.Create(CultureInfo.InvariantCulture, $"Expected throughput of '{Subject.Name}' above {minimum:N0}/s{{reason}}, but it was {Subject.Throughput:N0}/s.\n{Subject}")));
        return new AndConstraint<LoadResultAssertions>(this);
    }

    // FluentAssertions treats {n} as placeholders; keep {reason}, escape every other brace of the text.
    private static string Escape(string message) =>
        message.Replace("{reason}", "\u0001", StringComparison.Ordinal).Replace("{", "{{", StringComparison.Ordinal).Replace("}", "}}", StringComparison.Ordinal).Replace("\u0001", "{reason}", StringComparison.Ordinal);
}
