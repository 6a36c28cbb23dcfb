using Microsoft.Extensions.Options;
using PerfKit.Memory.Internal;
using PerfKit.Memory.Pooling;
using PerfKit.Memory.Resources;

namespace PerfKit.Memory.Tests;

public sealed class MemoryBudgetOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Pass()
    {
        new MemoryBudgetOptionsValidator().Validate(null, new MemoryBudgetOptions()).Succeeded.Should().BeTrue();
    }

    [Fact]
    public void Validator_RangeMessages_AreReadable()
    {
        var result = new MemoryBudgetOptionsValidator().Validate(null, new MemoryBudgetOptions { BudgetBytes = 0, BudgetFraction = 0 });

        result.Failures.Should().HaveCount(2);
        result.FailureMessage.Should().Contain("BudgetBytes: must be at least 1").And.Contain("BudgetFraction: must be greater than 0 and at most 1");
        result.FailureMessage.Should().NotContain("E+").And.NotContain("E-");
    }

    [Fact]
    public void Validator_ReportsEveryCrossFieldFailure()
    {
        var result = new MemoryBudgetOptionsValidator().Validate(null, new MemoryBudgetOptions
        {
            ElevatedThreshold = 0.9,
            HighThreshold = 0.8,
            ReclaimTargetFraction = 0.85,
            SamplingInterval = TimeSpan.Zero,
            ResponderTimeout = TimeSpan.Zero,
        });

        result.Failures.Should().HaveCount(4);
        result.FailureMessage.Should().Contain("MemoryBudgetOptions.ElevatedThreshold").And.Contain("MemoryBudgetOptions.ReclaimTargetFraction")
            .And.Contain("MemoryBudgetOptions.SamplingInterval").And.Contain("MemoryBudgetOptions.ResponderTimeout");
    }

    [Fact]
    public void ThrowIfInvalid_UndefinedUsageSource_IsRejected_NamingTheValue()
    {
        var act = () => new MemoryBudget(new MemoryBudgetOptions { UsageSource = (MemoryUsageSource)42 });

        act.Should().Throw<OptionsValidationException>().Which.Message
            .Should().Contain("MemoryBudgetOptions.UsageSource: must be one of WorkingSet, ManagedHeap, Container; it is 42.");
    }

    [Fact]
    public void ThrowIfInvalid_RangeFailures_GiveTheValue_InOneFormat()
    {
        var failure = FluentActions.Invoking(() => MemoryBudgetOptionsValidator.ThrowIfInvalid(new MemoryBudgetOptions { Hysteresis = 0.6, ElevatedThreshold = 0.65, HighThreshold = 0.8, CriticalThreshold = 2.5, ReclaimTargetFraction = 0.005 }))
            .Should().Throw<OptionsValidationException>().Which;

        failure.Message.Should().Contain("MemoryBudgetOptions.Hysteresis: must be between 0 and 0.5; it is 0.6.")
            .And.Contain("MemoryBudgetOptions.CriticalThreshold: must be between 0.01 and 2; it is 2.5.")
            .And.Contain("MemoryBudgetOptions.ReclaimTargetFraction: must be between 0.01 and 1; it is 0.005.")
            .And.NotContain("The field");
    }

    [Theory]
    [InlineData(nameof(MemoryBudgetOptions.ReclaimTargetFraction))]
    [InlineData(nameof(MemoryBudgetOptions.Hysteresis))]
    [InlineData(nameof(MemoryBudgetOptions.ElevatedThreshold))]
    [InlineData(nameof(MemoryBudgetOptions.HighThreshold))]
    [InlineData(nameof(MemoryBudgetOptions.CriticalThreshold))]
    [InlineData(nameof(MemoryBudgetOptions.BudgetFraction))]
    public void ThrowIfInvalid_NaN_IsRejected_Saying_NaN(string property)
    {
        var options = new MemoryBudgetOptions();
        typeof(MemoryBudgetOptions).GetProperty(property)!.SetValue(options, double.NaN);

        var act = () => MemoryBudgetOptionsValidator.ThrowIfInvalid(options);

        act.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain($"MemoryBudgetOptions.{property}: must be").And.Contain("it is NaN.");
    }

    [Fact]
    public void Constructor_ReportsDataAndCrossFieldFailuresTogether()
    {
        var act = () => new MemoryBudget(new MemoryBudgetOptions { BudgetBytes = -5, SamplingInterval = TimeSpan.Zero });

        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().HaveCount(2);
    }
}

public sealed class BoundedArrayPoolOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Pass() =>
        BoundedArrayPoolOptionsValidator.ThrowIfInvalid(new BoundedArrayPoolOptions());

    [Fact]
    public void Validate_ReportsEveryFailure_Readably()
    {
        var failure = FluentActions.Invoking(() => BoundedArrayPoolOptionsValidator.ThrowIfInvalid(new BoundedArrayPoolOptions { Name = "", MaxRetainedBytes = -1, MaxArrayLength = 8, MaxArraysPerBucket = 0 }))
            .Should().Throw<OptionsValidationException>().Which;

        failure.Failures.Should().HaveCount(4);
        failure.Failures.Should().OnlyContain(f => f.Contains("BoundedArrayPoolOptions.", StringComparison.Ordinal) && f.Contains(": must ", StringComparison.Ordinal));
        failure.Message.Should().Contain("BoundedArrayPoolOptions.Name: must not be empty.").And.Contain("BoundedArrayPoolOptions.MaxRetainedBytes: must be at least 0; it is -1.")
            .And.Contain("BoundedArrayPoolOptions.MaxArrayLength: must be between 16 and 1073741824; it is 8.").And.Contain("BoundedArrayPoolOptions.MaxArraysPerBucket: must be between 1 and 4096; it is 0.")
            .And.NotContain("The field").And.NotContain("E+");
    }

    [Fact]
    public void Constructor_ThrowsOptionsValidationException_WithEveryFailure()
    {
        var act = () => new BoundedArrayPool<byte>(new BoundedArrayPoolOptions { MaxRetainedBytes = -1, MaxArraysPerBucket = 0 });

        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().HaveCount(2);
    }
}

public sealed class BoundedObjectPoolOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Pass() =>
        BoundedObjectPoolOptionsValidator.ThrowIfInvalid(new BoundedObjectPoolOptions());

    [Fact]
    public void Validate_ReportsEveryFailure_Readably()
    {
        var failure = FluentActions.Invoking(() => BoundedObjectPoolOptionsValidator.ThrowIfInvalid(new BoundedObjectPoolOptions { Name = " ", MaximumRetained = 0, EstimatedObjectSizeBytes = -1 }))
            .Should().Throw<OptionsValidationException>().Which;

        failure.Failures.Should().HaveCount(3);
        failure.Failures.Should().OnlyContain(f => f.Contains("BoundedObjectPoolOptions.", StringComparison.Ordinal) && f.Contains(": must ", StringComparison.Ordinal));
        failure.Message.Should().Contain("BoundedObjectPoolOptions.Name: must not be empty.").And.Contain("MaximumRetained: must be at least 1").And.Contain("EstimatedObjectSizeBytes: must be at least 0");
    }
}

public sealed class LazyResourceOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Pass()
    {
        new LazyResourceOptionsValidator().Validate(null, new LazyResourceOptions()).Succeeded.Should().BeTrue();
        new LazyResourceOptionsValidator().Validate(null, new LazyResourceOptions { IdleTimeout = Timeout.InfiniteTimeSpan }).Succeeded.Should().BeTrue();
    }

    [Fact]
    public void Validator_ReportsEveryFailure()
    {
        var result = new LazyResourceOptionsValidator().Validate(null, new LazyResourceOptions { IdleTimeout = TimeSpan.Zero, Name = " ", EstimatedSizeBytes = -1 });

        result.Failures.Should().HaveCount(3);
        result.FailureMessage.Should().Contain("LazyResourceOptions.IdleTimeout").And.Contain("LazyResourceOptions.Name");
    }

    [Fact]
    public void Validator_IdleTimeoutPastTheMaximum_IsRejected_NamingTheOption()
    {
        var result = new LazyResourceOptionsValidator().Validate(null, new LazyResourceOptions { IdleTimeout = TimeSpan.FromDays(60) });

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("LazyResourceOptions.IdleTimeout: must be").And.Contain($"at most {LazyResourceOptions.MaximumIdleTimeout}").And.Contain("it is 60.00:00:00.");
        new LazyResourceOptionsValidator().Validate(null, new LazyResourceOptions { IdleTimeout = LazyResourceOptions.MaximumIdleTimeout }).Succeeded.Should().BeTrue();
    }

    [Fact]
    public void Constructor_ReportsEveryFailure()
    {
        var act = () => new LazyResource<object>(_ => ValueTask.FromResult(new object()), new LazyResourceOptions { EstimatedSizeBytes = -1, IdleTimeout = TimeSpan.Zero });

        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().HaveCount(2);
    }
}
