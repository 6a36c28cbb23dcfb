using PerfKit.Streaming.Internal;
using PerfKit.Streaming.Records;

namespace PerfKit.Streaming.Tests.Records;

public sealed class RecordReaderOptionsValidatorTests
{
    private static IEnumerable<string> Failures(RecordReaderOptions options) =>
        new RecordReaderOptionsValidator().Validate(null, options).Failures ?? [];

    [Fact]
    public void Defaults_Pass() => Failures(new RecordReaderOptions()).Should().BeEmpty();

    [Theory]
    [InlineData(nameof(RecordReaderOptions.Framing), "*RecordReaderOptions.Framing*must be one of Lines, Delimited, LengthPrefixed; it is 9.*")]
    [InlineData(nameof(RecordReaderOptions.LengthPrefix), "*RecordReaderOptions.LengthPrefix*it is 9.*")]
    [InlineData(nameof(RecordReaderOptions.MalformedRecords), "*RecordReaderOptions.MalformedRecords*it is 9.*")]
    [InlineData(nameof(RecordReaderOptions.MaxRecordLength), "*RecordReaderOptions.MaxRecordLength*between 1 and 1073741824; it is 0.*")]
    [InlineData(nameof(RecordReaderOptions.BufferSize), "*RecordReaderOptions.BufferSize*between 1 and 16777216; it is -1.*")]
    [InlineData(nameof(RecordReaderOptions.Delimiter), "*RecordReaderOptions.Delimiter*must be set*Delimited*")]
    public void EachRule_RejectsNamingTheOptionAndItsValue(string option, string message)
    {
        var options = new RecordReaderOptions();
        switch (option)
        {
            case nameof(RecordReaderOptions.Framing): options.Framing = (RecordFraming)9; break;
            case nameof(RecordReaderOptions.LengthPrefix): options.LengthPrefix = (LengthPrefixFormat)9; break;
            case nameof(RecordReaderOptions.MalformedRecords): options.MalformedRecords = (MalformedRecordAction)9; break;
            case nameof(RecordReaderOptions.MaxRecordLength): options.MaxRecordLength = 0; break;
            case nameof(RecordReaderOptions.BufferSize): options.BufferSize = -1; break;
            default: options.Framing = RecordFraming.Delimited; break;
        }

        Failures(options).Should().ContainSingle().Which.Should().Match(message);
    }

    [Fact]
    public void Delimiter_LongerThanTheMaximum_IsRejectedWithItsByteCount()
    {
        var options = new RecordReaderOptions { Framing = RecordFraming.Delimited, Delimiter = new string('é', 9) };

        Failures(options).Should().ContainSingle().Which.Should().Match("*RecordReaderOptions.Delimiter*at most 16 bytes*it is 18 bytes.*");
    }

    [Fact]
    public void SeveralBadValues_AreAllReported_WithoutExponents()
    {
        var options = new RecordReaderOptions { MaxRecordLength = int.MaxValue, BufferSize = 0, Framing = RecordFraming.Delimited, Delimiter = "" };

        var failures = Failures(options).ToList();

        failures.Should().HaveCount(3);
        failures.Should().NotContain(f => f.Contains("E+", StringComparison.Ordinal) || f.Contains("E-", StringComparison.Ordinal));
        FluentActions.Invoking(() => RecordReaderOptionsValidator.ThrowIfInvalid(options)).Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>()
            .Which.Failures.Should().HaveCount(3);
    }
}
