using Microsoft.Extensions.Options;
using PerfKit.Shared;

namespace PerfKit.Testing.Internal;

/// <summary>The DataAnnotations rules of <see cref="PerfKitTestingOptions"/>, generated at compile time (AOT-safe).</summary>
[OptionsValidator]
internal sealed partial class PerfKitTestingOptionsDataValidator : IValidateOptions<PerfKitTestingOptions>;

/// <summary>The rules DataAnnotations cannot state (path characters, flags); reports every failure.</summary>
internal sealed class PerfKitTestingOptionsValidator : IValidateOptions<PerfKitTestingOptions>
{
    public ValidateOptionsResult Validate(string? name, PerfKitTestingOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ReportDirectory))
        {
            // The DataAnnotations validator reports it.
        }
        else if (options.ReportDirectory.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            failures.Add($"PerfKitTestingOptions.ReportDirectory '{options.ReportDirectory}' contains characters not allowed in a path.");
        }

        if ((options.Formats & ReportFormats.All) == 0 || (options.Formats & ~ReportFormats.All) != 0)
        {
            failures.Add($"PerfKitTestingOptions.Formats must be one or more of Markdown, Json, JUnit and Html (was {options.Formats}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Runs both validators; used where there is no DI container to do it.</summary>
    public static void ThrowIfInvalid(PerfKitTestingOptions options) =>
        OptionsGuard.ThrowIfInvalid(options, Options.DefaultName, new PerfKitTestingOptionsDataValidator(), new PerfKitTestingOptionsValidator());
}
