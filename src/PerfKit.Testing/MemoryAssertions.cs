using System.Globalization;
using FluentAssertions;
using FluentAssertions.Execution;
using FluentAssertions.Specialized;

namespace PerfKit.Testing;

/// <summary>FluentAssertions extensions for allocations and leaks.</summary>
public static class MemoryAssertions
{
    /// <summary>Asserts that one call of the action allocates nothing on the calling thread.</summary>
    /// <param name="assertions">The action's assertions (<c>act.Should()</c>).</param>
    /// <param name="because">Why, for the failure message.</param>
    /// <param name="becauseArgs">Arguments of <paramref name="because"/>.</param>
    /// <returns>The assertions, for chaining.</returns>
    public static AndConstraint<ActionAssertions> NotAllocate(this ActionAssertions assertions, string because = "", params object[] becauseArgs) =>
        AllocateAtMost(assertions, 0, because, becauseArgs);

    /// <summary>Asserts that one call of the action allocates at most <paramref name="bytes"/> on the calling thread.</summary>
    /// <param name="assertions">The action's assertions (<c>act.Should()</c>).</param>
    /// <param name="bytes">The most bytes allowed per call.</param>
    /// <param name="because">Why, for the failure message.</param>
    /// <param name="becauseArgs">Arguments of <paramref name="because"/>.</param>
    /// <returns>The assertions, for chaining.</returns>
    public static AndConstraint<ActionAssertions> AllocateAtMost(this ActionAssertions assertions, long bytes, string because = "", params object[] becauseArgs)
    {
        ArgumentNullException.ThrowIfNull(assertions);
        Check(assertions.Subject, bytes, because, becauseArgs);
        return new AndConstraint<ActionAssertions>(assertions);
    }

    private static void Check(Action action, long bytes, string because, object[] becauseArgs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        var allocated = Allocations.PerCall(action);
        Execute.Assertion
            .BecauseOf(because, becauseArgs)
            .ForCondition(allocated <= bytes)
            .FailWith(string.Create(CultureInfo.InvariantCulture, $"Expected the code to allocate at most {bytes} bytes per call{{reason}}, but it allocated {allocated} bytes."));
    }

    /// <summary>Asserts that one call of the function allocates nothing on the calling thread (its result is discarded).</summary>
    /// <typeparam name="T">The function's result type.</typeparam>
    /// <param name="assertions">The function's assertions (<c>func.Should()</c>).</param>
    /// <param name="because">Why, for the failure message.</param>
    /// <param name="becauseArgs">Arguments of <paramref name="because"/>.</param>
    /// <returns>The assertions, for chaining.</returns>
    public static AndConstraint<FunctionAssertions<T>> NotAllocate<T>(this FunctionAssertions<T> assertions, string because = "", params object[] becauseArgs) =>
        AllocateAtMost(assertions, 0, because, becauseArgs);

    /// <summary>Asserts that one call of the function allocates at most <paramref name="bytes"/> on the calling thread.</summary>
    /// <typeparam name="T">The function's result type.</typeparam>
    /// <param name="assertions">The function's assertions (<c>func.Should()</c>).</param>
    /// <param name="bytes">The most bytes allowed per call.</param>
    /// <param name="because">Why, for the failure message.</param>
    /// <param name="becauseArgs">Arguments of <paramref name="because"/>.</param>
    /// <returns>The assertions, for chaining.</returns>
    public static AndConstraint<FunctionAssertions<T>> AllocateAtMost<T>(this FunctionAssertions<T> assertions, long bytes, string because = "", params object[] becauseArgs)
    {
        ArgumentNullException.ThrowIfNull(assertions);
        var function = assertions.Subject;
        Check(() => GC.KeepAlive(function()), bytes, because, becauseArgs);
        return new AndConstraint<FunctionAssertions<T>>(assertions);
    }

    /// <summary>Starts assertions on a weak reference: <c>reference.Should().BeCollected()</c>.</summary>
    /// <param name="reference">A weak reference, for example from <see cref="LeakCheck.Track"/>.</param>
    /// <returns>The assertions.</returns>
    public static WeakReferenceAssertions Should(this WeakReference reference) => new(reference);
}
