using System.Globalization;
using FluentAssertions;
using FluentAssertions.Execution;

namespace PerfKit.Testing;

/// <summary>Assertions on a <see cref="SoakResult"/>.</summary>
public sealed class SoakResultAssertions
{
    internal SoakResultAssertions(SoakResult subject) => Subject = subject ?? throw new ArgumentNullException(nameof(subject));

    /// <summary>The soak.</summary>
    public SoakResult Subject { get; }

    /// <summary>Asserts the live heap grows by at most <paramref name="bytesPerRound"/> a round (the fitted slope).</summary>
    /// <param name="bytesPerRound">The most growth allowed per round.</param>
    /// <param name="because">Why, for the failure message.</param>
    /// <param name="becauseArgs">Arguments of <paramref name="because"/>.</param>
    /// <returns>The assertions, for chaining.</returns>
    public AndConstraint<SoakResultAssertions> NotGrowMoreThan(long bytesPerRound, string because = "", params object[] becauseArgs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytesPerRound);
        var rounds = string.Join(", ", Subject.LiveBytesAfterRound.Select(b => (b / 1024).ToString(CultureInfo.InvariantCulture)));
        Execute.Assertion.BecauseOf(because, becauseArgs).ForCondition(Subject.GrowthPerRoundBytes <= bytesPerRound)
            .FailWith(string.Create(CultureInfo.InvariantCulture, $"Expected the live heap of soak '{Subject.Name}' to grow at most {bytesPerRound:N0} bytes a round{{reason}}, but it grew {Subject.GrowthPerRoundBytes:N0} bytes a round (live KiB after each round: {rounds}): something keeps what each round made."));
        return new AndConstraint<SoakResultAssertions>(this);
    }
}
