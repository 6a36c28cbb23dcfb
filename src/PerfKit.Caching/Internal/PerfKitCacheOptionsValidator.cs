using Microsoft.Extensions.Options;

namespace PerfKit.Caching.Internal;

/// <summary>The DataAnnotations rules of <see cref="PerfKitCacheOptions"/>, generated at compile time.</summary>
[OptionsValidator]
internal sealed partial class PerfKitCacheOptionsDataValidator : IValidateOptions<PerfKitCacheOptions>;

/// <summary>Rules beyond DataAnnotations: durations and the default entry options.</summary>
internal sealed class PerfKitCacheOptionsValidator : IValidateOptions<PerfKitCacheOptions>
{
    public ValidateOptionsResult Validate(string? name, PerfKitCacheOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        if (options.DistributedCacheTimeout <= TimeSpan.Zero)
        {
            builder.AddError($"must be positive; it is {options.DistributedCacheTimeout}.", "PerfKitCacheOptions.DistributedCacheTimeout");
        }

        if (options.DistributedCacheBreakDuration < TimeSpan.Zero)
        {
            builder.AddError($"must not be negative; it is {options.DistributedCacheBreakDuration}.", "PerfKitCacheOptions.DistributedCacheBreakDuration");
        }

        if (options.BackplaneRevalidationInterval <= TimeSpan.Zero)
        {
            builder.AddError($"must be positive; it is {options.BackplaneRevalidationInterval}.", "PerfKitCacheOptions.BackplaneRevalidationInterval");
        }

        if (options.MaximumEntryLifetime <= TimeSpan.Zero)
        {
            builder.AddError($"must be positive; it is {options.MaximumEntryLifetime}.", "PerfKitCacheOptions.MaximumEntryLifetime");
        }

        if (options.DefaultEntryOptions is { } entry)
        {
            try
            {
                entry.Validate("PerfKitCacheOptions.DefaultEntryOptions");
                if (options.MaximumEntryLifetime > TimeSpan.Zero && entry.Lifetime > options.MaximumEntryLifetime)
                {
                    builder.AddError($"Duration plus FailSafeMaxStaleness ({entry.Lifetime}) exceeds PerfKitCacheOptions.MaximumEntryLifetime ({options.MaximumEntryLifetime}).", "PerfKitCacheOptions.DefaultEntryOptions");
                }
            }
            catch (ArgumentOutOfRangeException ex)
            {
                builder.AddError(ex.Message, "PerfKitCacheOptions.DefaultEntryOptions");
            }
        }

        return builder.Build();
    }

    public static void ThrowIfInvalid(PerfKitCacheOptions options)
    {
        var failures = new List<string>();
        foreach (var result in new[] { new PerfKitCacheOptionsDataValidator().Validate(Options.DefaultName, options), new PerfKitCacheOptionsValidator().Validate(Options.DefaultName, options) })
        {
            if (result.Failed)
            {
                failures.AddRange(result.Failures);
            }
        }

        if (failures.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(PerfKitCacheOptions), failures);
        }
    }
}
