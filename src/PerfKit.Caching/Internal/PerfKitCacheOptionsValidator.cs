using Microsoft.Extensions.Options;
using PerfKit.Shared;

namespace PerfKit.Caching.Internal;

/// <summary>The DataAnnotations rules of <see cref="PerfKitCacheOptions"/>, generated at compile time.</summary>
[OptionsValidator]
internal sealed partial class PerfKitCacheOptionsDataValidator : IValidateOptions<PerfKitCacheOptions>;

/// <summary>Rules beyond DataAnnotations: durations and the default entry options; every failure is reported, not only the first.</summary>
internal sealed class PerfKitCacheOptionsValidator : IValidateOptions<PerfKitCacheOptions>
{
    public ValidateOptionsResult Validate(string? name, PerfKitCacheOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();

        // Numeric ranges live here rather than in [Range]: the source-generated validator ignores ErrorMessage and
        // prints bounds such as "between 1 and 9.223372036854776E+18".
        if (options.MaximumEntries < 1)
        {
            builder.AddError($"must be at least 1; it is {options.MaximumEntries}.", "PerfKitCacheOptions.MaximumEntries");
        }

        if (options.MaximumWeight is < 1)
        {
            builder.AddError($"must be at least 1 when set; it is {options.MaximumWeight}.", "PerfKitCacheOptions.MaximumWeight");
        }

        if (options.MaximumEntrySize < 1)
        {
            builder.AddError($"must be at least 1; it is {options.MaximumEntrySize}.", "PerfKitCacheOptions.MaximumEntrySize");
        }

        if (options.DistributedOutboxCapacity is < 1 or > 10_000_000)
        {
            builder.AddError($"must be between 1 and 10,000,000; it is {options.DistributedOutboxCapacity}.", "PerfKitCacheOptions.DistributedOutboxCapacity");
        }

        if (options.DistributedOutboxMaximumBytes < 1)
        {
            builder.AddError($"must be at least 1; it is {options.DistributedOutboxMaximumBytes}.", "PerfKitCacheOptions.DistributedOutboxMaximumBytes");
        }

        if (!(options.ShrinkFractionUnderPressure is >= 0 and <= 1))
        {
            builder.AddError($"must be between 0 and 1; it is {options.ShrinkFractionUnderPressure}.", "PerfKitCacheOptions.ShrinkFractionUnderPressure");
        }
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
            List<string>? errors = null;
            entry.CollectErrors(ref errors);
            if (options.MaximumEntryLifetime > TimeSpan.Zero && entry.Lifetime > options.MaximumEntryLifetime)
            {
                (errors ??= []).Add($"Duration plus Jitter and FailSafeMaxStaleness ({entry.Lifetime}) exceeds PerfKitCacheOptions.MaximumEntryLifetime ({options.MaximumEntryLifetime}).");
            }

            foreach (var error in errors ?? [])
            {
                builder.AddError(error, "PerfKitCacheOptions.DefaultEntryOptions");
            }
        }

        return builder.Build();
    }

    public static void ThrowIfInvalid(PerfKitCacheOptions options) =>
        OptionsGuard.ThrowIfInvalid(options, Options.DefaultName, new PerfKitCacheOptionsDataValidator(), new PerfKitCacheOptionsValidator());
}
