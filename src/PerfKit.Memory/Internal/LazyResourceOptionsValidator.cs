using Microsoft.Extensions.Options;
using PerfKit.Memory.Resources;
using PerfKit.Shared;

namespace PerfKit.Memory.Internal;

/// <summary>
/// The rules of <see cref="LazyResourceOptions"/> (no DataAnnotations: each rule is one DataAnnotations cannot state
/// readably, so there is no generated validator); reports every failure.
/// </summary>
internal sealed class LazyResourceOptionsValidator : IValidateOptions<LazyResourceOptions>
{
    public ValidateOptionsResult Validate(string? name, LazyResourceOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        OptionsGuard.AtLeast(builder, $"{nameof(LazyResourceOptions)}.{nameof(LazyResourceOptions.EstimatedSizeBytes)}", options.EstimatedSizeBytes, 0, " (0: estimated while loading)");
        if (options.IdleTimeout != Timeout.InfiniteTimeSpan && (options.IdleTimeout <= TimeSpan.Zero || options.IdleTimeout > LazyResourceOptions.MaximumIdleTimeout))
        {
            builder.AddError(
                $"must be greater than 0 and at most {LazyResourceOptions.MaximumIdleTimeout} (a timer cannot wait longer), or Timeout.InfiniteTimeSpan to never unload for idleness; it is {options.IdleTimeout}.",
                $"{nameof(LazyResourceOptions)}.{nameof(LazyResourceOptions.IdleTimeout)}");
        }

        if (options.Name is not null && string.IsNullOrWhiteSpace(options.Name))
        {
            builder.AddError("must not be blank; leave it null to use the resource type's name.", $"{nameof(LazyResourceOptions)}.{nameof(LazyResourceOptions.Name)}");
        }

        return builder.Build();
    }

    /// <summary>Runs the validator; used where there is no DI container to do it.</summary>
    public static void ThrowIfInvalid(LazyResourceOptions options) =>
        OptionsGuard.ThrowIfInvalid(options, Options.DefaultName, new LazyResourceOptionsValidator());
}
