using Microsoft.Extensions.Options;
using PerfKit.Testing.Internal;

namespace PerfKit.Testing.Tests;

public sealed class PerfKitTestingOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Pass() => PerfKitTestingOptionsValidator.ThrowIfInvalid(new PerfKitTestingOptions());

    [Fact]
    public void DataValidator_RejectsAMissingFolder() =>
        new PerfKitTestingOptionsDataValidator().Validate(null, new PerfKitTestingOptions { ReportDirectory = "" })
            .FailureMessage.Should().Contain("PerfKitTestingOptions.ReportDirectory must name a folder.");

    [Fact]
    public void Validator_RejectsFormatsOutsideTheFlags() =>
        new PerfKitTestingOptionsValidator().Validate(null, new PerfKitTestingOptions { Formats = (ReportFormats)64 })
            .FailureMessage.Should().Contain("PerfKitTestingOptions.Formats");

    [Fact]
    public void Validator_RejectsPathCharacters() =>
        new PerfKitTestingOptionsValidator().Validate(null, new PerfKitTestingOptions { ReportDirectory = "a\0b" })
            .FailureMessage.Should().Contain("not allowed in a path");

    [Fact]
    public void ThrowIfInvalid_ReportsEveryFailure() =>
        FluentActions.Invoking(() => PerfKitTestingOptionsValidator.ThrowIfInvalid(new PerfKitTestingOptions { ReportDirectory = "", Formats = ReportFormats.None }))
            .Should().Throw<OptionsValidationException>().Which.Failures.Should().HaveCount(2);
}
