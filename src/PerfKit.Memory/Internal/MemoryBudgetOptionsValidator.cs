using Microsoft.Extensions.Options;
using PerfKit.Shared;

namespace PerfKit.Memory.Internal;

/// <summary>
/// Every rule of <see cref="MemoryBudgetOptions"/>: ranges, the enum, the <see cref="TimeSpan"/> ranges and the rules
/// that span several options; reports every failure, each naming the option and its value. No DataAnnotations: the
/// generated messages do not give the value (and the generator ignores <c>ErrorMessage</c> on <c>[Range]</c>).
/// </summary>
internal sealed class MemoryBudgetOptionsValidator : IValidateOptions<MemoryBudgetOptions>
{
    public ValidateOptionsResult Validate(string? name, MemoryBudgetOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        if (options.BudgetBytes is { } bytes)
        {
            OptionsGuard.AtLeast(builder, $"{nameof(MemoryBudgetOptions)}.{nameof(MemoryBudgetOptions.BudgetBytes)}", bytes, 1, " (bytes) when set");
        }

        OptionsGuard.GreaterThanZeroAtMost(builder, $"{nameof(MemoryBudgetOptions)}.{nameof(MemoryBudgetOptions.BudgetFraction)}", options.BudgetFraction, 1);
        OptionsGuard.Defined(builder, $"{nameof(MemoryBudgetOptions)}.{nameof(MemoryBudgetOptions.UsageSource)}", options.UsageSource);
        OptionsGuard.Between(builder, $"{nameof(MemoryBudgetOptions)}.{nameof(MemoryBudgetOptions.ElevatedThreshold)}", options.ElevatedThreshold, 0.01, 2.0);
        OptionsGuard.Between(builder, $"{nameof(MemoryBudgetOptions)}.{nameof(MemoryBudgetOptions.HighThreshold)}", options.HighThreshold, 0.01, 2.0);
        OptionsGuard.Between(builder, $"{nameof(MemoryBudgetOptions)}.{nameof(MemoryBudgetOptions.CriticalThreshold)}", options.CriticalThreshold, 0.01, 2.0);
        OptionsGuard.Between(builder, $"{nameof(MemoryBudgetOptions)}.{nameof(MemoryBudgetOptions.Hysteresis)}", options.Hysteresis, 0.0, 0.5);
        OptionsGuard.Between(builder, $"{nameof(MemoryBudgetOptions)}.{nameof(MemoryBudgetOptions.ReclaimTargetFraction)}", options.ReclaimTargetFraction, 0.01, 1.0);
        if (!(options.ElevatedThreshold < options.HighThreshold && options.HighThreshold < options.CriticalThreshold))
        {
            builder.AddError(
                $"must be in increasing order (ElevatedThreshold {options.ElevatedThreshold} < HighThreshold {options.HighThreshold} < CriticalThreshold {options.CriticalThreshold}).",
                $"{nameof(MemoryBudgetOptions)}.{nameof(MemoryBudgetOptions.ElevatedThreshold)}");
        }

        if (options.ReclaimTargetFraction >= options.HighThreshold)
        {
            builder.AddError(
                $"must be below HighThreshold ({options.HighThreshold}), or every automatic reclaim would end at High pressure; it is {options.ReclaimTargetFraction}.",
                $"{nameof(MemoryBudgetOptions)}.{nameof(MemoryBudgetOptions.ReclaimTargetFraction)}");
        }

        if (options.Hysteresis >= options.ElevatedThreshold)
        {
            builder.AddError(
                $"must be below ElevatedThreshold ({options.ElevatedThreshold}); it is {options.Hysteresis}.",
                $"{nameof(MemoryBudgetOptions)}.{nameof(MemoryBudgetOptions.Hysteresis)}");
        }

        CheckDuration(builder, nameof(MemoryBudgetOptions.SamplingInterval), options.SamplingInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1));
        // Each automatic reclaim runs full, blocking collections: one second apart at the least (0 gave thousands a second).
        CheckDuration(builder, nameof(MemoryBudgetOptions.MinimumReclaimInterval), options.MinimumReclaimInterval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        CheckDuration(builder, nameof(MemoryBudgetOptions.MaximumReclaimInterval), options.MaximumReclaimInterval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        if (options.MaximumReclaimInterval < options.MinimumReclaimInterval)
        {
            builder.AddError(
                $"must be at least MinimumReclaimInterval ({options.MinimumReclaimInterval}); it is {options.MaximumReclaimInterval}.",
                $"{nameof(MemoryBudgetOptions)}.{nameof(MemoryBudgetOptions.MaximumReclaimInterval)}");
        }

        CheckDuration(builder, nameof(MemoryBudgetOptions.ResponderTimeout), options.ResponderTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1));
        return builder.Build();
    }

    private static void CheckDuration(ValidateOptionsResultBuilder builder, string name, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            builder.AddError($"must be at least {min} and at most {max}; it is {value}.", $"{nameof(MemoryBudgetOptions)}.{name}");
        }
    }

    /// <summary>Runs the validator; used where there is no DI container to do it.</summary>
    public static void ThrowIfInvalid(MemoryBudgetOptions options) =>
        OptionsGuard.ThrowIfInvalid(options, Options.DefaultName, new MemoryBudgetOptionsValidator());
}
