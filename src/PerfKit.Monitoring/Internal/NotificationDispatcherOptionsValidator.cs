using Microsoft.Extensions.Options;
using PerfKit.Monitoring.Notifications;
using PerfKit.Shared;

namespace PerfKit.Monitoring.Internal;

/// <summary>The rules of <see cref="NotificationDispatcherOptions"/>; reports every failure, each naming the option and its value.</summary>
internal sealed class NotificationDispatcherOptionsValidator : IValidateOptions<NotificationDispatcherOptions>
{
    private const string Prefix = nameof(NotificationDispatcherOptions) + ".";

    public ValidateOptionsResult Validate(string? name, NotificationDispatcherOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ValidateOptionsResultBuilder();
        var max = NotificationDispatcherOptions.MaximumInterval;
        Range(builder, nameof(NotificationDispatcherOptions.GroupWait), options.GroupWait, TimeSpan.Zero, max, allowZero: true);
        Range(builder, nameof(NotificationDispatcherOptions.GroupInterval), options.GroupInterval, TimeSpan.Zero, max, allowZero: false);
        Range(builder, nameof(NotificationDispatcherOptions.RepeatInterval), options.RepeatInterval, TimeSpan.Zero, max, allowZero: false);
        if (options.RepeatInterval < options.GroupInterval && options.GroupInterval > TimeSpan.Zero)
        {
            builder.AddError($"must be at least GroupInterval ({options.GroupInterval}); it is {options.RepeatInterval}.", Prefix + nameof(NotificationDispatcherOptions.RepeatInterval));
        }

        if (options.GroupBy is null)
        {
            builder.AddError("must not be null; leave it empty to group by rule.", Prefix + nameof(NotificationDispatcherOptions.GroupBy));
        }
        else
        {
            for (var i = 0; i < options.GroupBy.Count; i++)
            {
                OptionsGuard.NotBlank(builder, $"{Prefix}{nameof(NotificationDispatcherOptions.GroupBy)}[{i}]", options.GroupBy[i]);
            }
        }

        OptionsGuard.Between(builder, Prefix + nameof(NotificationDispatcherOptions.QueueCapacity), options.QueueCapacity, 1, NotificationDispatcherOptions.MaximumQueueCapacity);
        OptionsGuard.Between(builder, Prefix + nameof(NotificationDispatcherOptions.MaxAttempts), options.MaxAttempts, 1, NotificationDispatcherOptions.MaximumMaxAttempts);
        var retryMax = NotificationDispatcherOptions.MaximumRetryTime;
        Range(builder, nameof(NotificationDispatcherOptions.InitialRetryDelay), options.InitialRetryDelay, TimeSpan.Zero, retryMax, allowZero: false);
        Range(builder, nameof(NotificationDispatcherOptions.MaxRetryDelay), options.MaxRetryDelay, TimeSpan.Zero, retryMax, allowZero: false);
        if (options.MaxRetryDelay < options.InitialRetryDelay && options.MaxRetryDelay > TimeSpan.Zero)
        {
            builder.AddError($"must be at least InitialRetryDelay ({options.InitialRetryDelay}); it is {options.MaxRetryDelay}.", Prefix + nameof(NotificationDispatcherOptions.MaxRetryDelay));
        }

        Range(builder, nameof(NotificationDispatcherOptions.MaxRetryAge), options.MaxRetryAge, TimeSpan.Zero, retryMax, allowZero: false);
        Range(builder, nameof(NotificationDispatcherOptions.SendTimeout), options.SendTimeout, TimeSpan.Zero, retryMax, allowZero: false);
        return builder.Build();
    }

    /// <summary>Runs the validator; used where there is no DI container to do it.</summary>
    public static void ThrowIfInvalid(NotificationDispatcherOptions options) =>
        OptionsGuard.ThrowIfInvalid(options, Options.DefaultName, new NotificationDispatcherOptionsValidator());

    internal static void Range(ValidateOptionsResultBuilder builder, string property, TimeSpan value, TimeSpan minimum, TimeSpan maximum, bool allowZero, string prefix = Prefix)
    {
        var ok = allowZero ? value >= minimum && value <= maximum : value > minimum && value <= maximum;
        if (!ok)
        {
            var lower = allowZero ? $"between {minimum} and {maximum}" : $"greater than {minimum} and at most {maximum}";
            builder.AddError($"must be {lower}; it is {value}.", prefix + property);
        }
    }
}
