using Microsoft.Extensions.Options;

namespace PerfKit.Shared;

/// <summary>
/// Runs an options class's validators where there is no DI container (a constructor), so the rules are the same with
/// and without DI, and throws one <see cref="OptionsValidationException"/> that lists every failure, not the first.
/// </summary>
internal static class OptionsGuard
{
    public static void ThrowIfInvalid<TOptions>(TOptions options, string? name, params ReadOnlySpan<IValidateOptions<TOptions>> validators)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(options);
        name ??= Options.DefaultName;
        List<string>? failures = null;
        foreach (var validator in validators)
        {
            var result = validator.Validate(name, options);
            if (result.Failed)
            {
                (failures ??= []).AddRange(result.Failures);
            }
        }

        if (failures is not null)
        {
            throw new OptionsValidationException(name, typeof(TOptions), failures);
        }
    }

    /// <summary>Adds "must be at least <paramref name="minimum"/>; it is <paramref name="value"/>." for <c>Options.Property</c> (a readable message where <c>[Range]</c> would print <c>9.223372036854776E+18</c>).</summary>
    public static void AtLeast(ValidateOptionsResultBuilder builder, string member, long value, long minimum, string? note = null)
    {
        if (value < minimum)
        {
            builder.AddError($"must be at least {minimum}{note}; it is {value}.", member);
        }
    }

    /// <summary>Adds "must be greater than 0 and at most <paramref name="maximum"/>" for a fraction that is set.</summary>
    public static void GreaterThanZeroAtMost(ValidateOptionsResultBuilder builder, string member, double? value, double maximum)
    {
        if (value is { } v && !(v > 0 && v <= maximum))
        {
            builder.AddError($"must be greater than 0 and at most {maximum} when set; it is {v}.", member);
        }
    }
}
