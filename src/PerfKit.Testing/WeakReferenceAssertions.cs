using System.Globalization;
using FluentAssertions;
using FluentAssertions.Execution;

namespace PerfKit.Testing;

/// <summary>Assertions on a <see cref="WeakReference"/>.</summary>
public sealed class WeakReferenceAssertions
{
    internal WeakReferenceAssertions(WeakReference subject) => Subject = subject ?? throw new ArgumentNullException(nameof(subject));

    /// <summary>The weak reference.</summary>
    public WeakReference Subject { get; }

    /// <summary>Asserts that the target is collected within <see cref="LeakCheck.DefaultAttempts"/> full collections.</summary>
    /// <param name="because">Why, for the failure message.</param>
    /// <param name="becauseArgs">Arguments of <paramref name="because"/>.</param>
    /// <returns>The assertions, for chaining.</returns>
    public AndConstraint<WeakReferenceAssertions> BeCollected(string because = "", params object[] becauseArgs)
    {
        var collected = LeakCheck.TryCollect(Subject);
        Execute.Assertion
            .BecauseOf(because, becauseArgs)
            .ForCondition(collected)
            .FailWith(string.Create(CultureInfo.InvariantCulture, $"Expected the {Subject.Target?.GetType().Name ?? "object"} to be collected{{reason}}, but it was still reachable after {LeakCheck.DefaultAttempts} full collections: something still references it."));
        return new AndConstraint<WeakReferenceAssertions>(this);
    }

    /// <summary>Asserts that the target is still alive after full collections (it is meant to be kept).</summary>
    /// <param name="because">Why, for the failure message.</param>
    /// <param name="becauseArgs">Arguments of <paramref name="because"/>.</param>
    /// <returns>The assertions, for chaining.</returns>
    public AndConstraint<WeakReferenceAssertions> NotBeCollected(string because = "", params object[] becauseArgs)
    {
        var collected = LeakCheck.TryCollect(Subject, attempts: 2);
        Execute.Assertion
            .BecauseOf(because, becauseArgs)
            .ForCondition(!collected)
            .FailWith("Expected the object to stay reachable{reason}, but it was collected.");
        return new AndConstraint<WeakReferenceAssertions>(this);
    }
}
