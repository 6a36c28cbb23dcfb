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
        new MemoryBudgetOptionsDataValidator().Validate(null, new MemoryBudgetOptions()).Succeeded.Should().BeTrue();
        new MemoryBudgetOptionsValidator().Validate(null, new MemoryBudgetOptions()).Succeeded.Should().BeTrue();
    }

    [Fact]
    public void Validator_RangeMessages_AreReadable()
    {
        var result = new MemoryBudgetOptionsValidator().Validate(null, new MemoryBudgetOptions { BudgetBytes = 0, BudgetFraction = 0 });

        new MemoryBudgetOptionsDataValidator().Validate(null, new MemoryBudgetOptions { BudgetBytes = 0, BudgetFraction = 0 }).Succeeded.Should().BeTrue();
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
        failure.Message.Should().Contain("Name must not be empty").And.Contain("BoundedArrayPoolOptions.MaxRetainedBytes: must be at least 0")
            .And.Contain("MaxArrayLength must be between 16 and 1073741824").And.Contain("MaxArraysPerBucket must be between 1 and 4096").And.NotContain("E+");
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
        failure.Message.Should().Contain("MaximumRetained: must be at least 1").And.Contain("EstimatedObjectSizeBytes: must be at least 0");
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
    public void Constructor_ReportsEveryFailure()
    {
        var act = () => new LazyResource<object>(_ => ValueTask.FromResult(new object()), new LazyResourceOptions { EstimatedSizeBytes = -1, IdleTimeout = TimeSpan.Zero });

        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().HaveCount(2);
    }
}
