using Microsoft.Extensions.Options;
using PerfKit.Shared;

namespace PerfKit.Testing.Internal;

/// <summary>The DataAnnotations rules of <see cref="PerfKitTestingOptions"/>, generated at compile time (AOT-safe).</summary>
[OptionsValidator]
internal sealed partial class PerfKitTestingOptionsDataValidator : IValidateOptions<PerfKitTestingOptions>;

/// <summary>The rules DataAnnotations cannot state (path characters, flags); reports every failure.</summary>
internal sealed class PerfKitTestingOptionsValidator : IValidateOptions<PerfKitTestingOptions>
{
    // Messages in OptionsGuard's format, as every PerfKit validator: "Property Options.Member: must be …; it is V."
    public ValidateOptionsResult Validate(string? name, PerfKitTestingOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();

        // A missing folder is the DataAnnotations validator's to report.
        if (!string.IsNullOrWhiteSpace(options.ReportDirectory) && options.ReportDirectory.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            builder.AddError($"must not contain characters that are not allowed in a path; it is '{options.ReportDirectory}'.", $"{nameof(PerfKitTestingOptions)}.{nameof(PerfKitTestingOptions.ReportDirectory)}");
        }

        if ((options.Formats & ReportFormats.All) == 0 || (options.Formats & ~ReportFormats.All) != 0)
        {
            builder.AddError($"must be one or more of Markdown, Json, JUnit and Html; it is {options.Formats}.", $"{nameof(PerfKitTestingOptions)}.{nameof(PerfKitTestingOptions.Formats)}");
        }

        return builder.Build();
    }

    /// <summary>Runs both validators; used where there is no DI container to do it.</summary>
    public static void ThrowIfInvalid(PerfKitTestingOptions options) =>
        OptionsGuard.ThrowIfInvalid(options, Options.DefaultName, new PerfKitTestingOptionsDataValidator(), new PerfKitTestingOptionsValidator());
}
