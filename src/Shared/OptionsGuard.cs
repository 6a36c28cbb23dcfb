using System.Globalization;
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

    /// <summary>Adds "must be between <paramref name="minimum"/> and <paramref name="maximum"/>; it is <paramref name="value"/>." (NaN included, as "it is NaN.").</summary>
    public static void Between(ValidateOptionsResultBuilder builder, string member, double value, double minimum, double maximum)
    {
        if (double.IsNaN(value) || value < minimum || value > maximum)
        {
            builder.AddError(string.Create(CultureInfo.InvariantCulture, $"must be between {minimum} and {maximum}; it is {value}."), member);
        }
    }

    /// <summary>Adds "must be between <paramref name="minimum"/> and <paramref name="maximum"/>; it is <paramref name="value"/>." for a whole number.</summary>
    public static void Between(ValidateOptionsResultBuilder builder, string member, long value, long minimum, long maximum)
    {
        if (value < minimum || value > maximum)
        {
            builder.AddError(string.Create(CultureInfo.InvariantCulture, $"must be between {minimum} and {maximum}; it is {value}."), member);
        }
    }

    /// <summary>Adds "must be one of A, B, C; it is 42." for a value that names no member of <typeparamref name="TEnum"/> (a cast or a number in configuration).</summary>
    public static void Defined<TEnum>(ValidateOptionsResultBuilder builder, string member, TEnum value)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            builder.AddError($"must be one of {string.Join(", ", Enum.GetNames<TEnum>())}; it is {value}.", member);
        }
    }

    /// <summary>Adds "must not be empty." for a null, empty or blank string.</summary>
    public static void NotBlank(ValidateOptionsResultBuilder builder, string member, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            builder.AddError("must not be empty.", member);
        }
    }
}
