using System.Text;
using Microsoft.Extensions.Options;
using PerfKit.Shared;
using PerfKit.Streaming.Records;

namespace PerfKit.Streaming.Internal;

/// <summary>
/// Every rule of <see cref="RecordReaderOptions"/>, in one message format that names the option and its value; reports
/// every failure. No DataAnnotations: their messages would mix a second format in and do not give the value.
/// </summary>
internal sealed class RecordReaderOptionsValidator : IValidateOptions<RecordReaderOptions>
{
    public ValidateOptionsResult Validate(string? name, RecordReaderOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        OptionsGuard.Defined(builder, $"{nameof(RecordReaderOptions)}.{nameof(RecordReaderOptions.Framing)}", options.Framing);
        OptionsGuard.Defined(builder, $"{nameof(RecordReaderOptions)}.{nameof(RecordReaderOptions.LengthPrefix)}", options.LengthPrefix);
        OptionsGuard.Defined(builder, $"{nameof(RecordReaderOptions)}.{nameof(RecordReaderOptions.MalformedRecords)}", options.MalformedRecords);
        OptionsGuard.Between(builder, $"{nameof(RecordReaderOptions)}.{nameof(RecordReaderOptions.MaxRecordLength)}", options.MaxRecordLength, 1, RecordReaderOptions.MaximumMaxRecordLength);
        OptionsGuard.Between(builder, $"{nameof(RecordReaderOptions)}.{nameof(RecordReaderOptions.BufferSize)}", options.BufferSize, 1, RecordReaderOptions.MaximumBufferSize);
        if (options.Framing == RecordFraming.Delimited)
        {
            var member = $"{nameof(RecordReaderOptions)}.{nameof(RecordReaderOptions.Delimiter)}";
            if (string.IsNullOrEmpty(options.Delimiter))
            {
                builder.AddError("must be set (one or more characters) when Framing is Delimited; it is empty.", member);
            }
            else if (Encoding.UTF8.GetByteCount(options.Delimiter) is var bytes && bytes > RecordReaderOptions.MaximumDelimiterLength)
            {
                builder.AddError($"must be at most {RecordReaderOptions.MaximumDelimiterLength} bytes in UTF-8; it is {bytes} bytes.", member);
            }
        }

        return builder.Build();
    }

    /// <summary>Runs the validator; used where there is no DI container to do it.</summary>
    public static void ThrowIfInvalid(RecordReaderOptions options) =>
        OptionsGuard.ThrowIfInvalid(options, Options.DefaultName, new RecordReaderOptionsValidator());
}
