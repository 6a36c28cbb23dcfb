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
            .FailureMessage.Should().Be("Property PerfKitTestingOptions.Formats: must be one or more of Markdown, Json, JUnit and Html; it is 64.", "the format of OptionsGuard, as in every PerfKit package");

    [Fact]
    public void Validator_RejectsPathCharacters() =>
        new PerfKitTestingOptionsValidator().Validate(null, new PerfKitTestingOptions { ReportDirectory = "a\0b" })
            .FailureMessage.Should().Be("Property PerfKitTestingOptions.ReportDirectory: must not contain characters that are not allowed in a path; it is 'a\0b'.", "the format of OptionsGuard, as in every PerfKit package");

    [Fact]
    public void ThrowIfInvalid_ReportsEveryFailure() =>
        FluentActions.Invoking(() => PerfKitTestingOptionsValidator.ThrowIfInvalid(new PerfKitTestingOptions { ReportDirectory = "", Formats = ReportFormats.None }))
            .Should().Throw<OptionsValidationException>().Which.Failures.Should().HaveCount(2);
}
