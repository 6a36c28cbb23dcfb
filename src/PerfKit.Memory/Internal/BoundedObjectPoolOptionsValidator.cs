using Microsoft.Extensions.Options;
using PerfKit.Memory.Pooling;
using PerfKit.Shared;

namespace PerfKit.Memory.Internal;

/// <summary>The DataAnnotations rules of <see cref="BoundedObjectPoolOptions"/>, generated at compile time (AOT-safe).</summary>
[OptionsValidator]
internal sealed partial class BoundedObjectPoolOptionsDataValidator : IValidateOptions<BoundedObjectPoolOptions>;

/// <summary>The rules whose <c>[Range]</c> message would not be readable; reports every failure.</summary>
internal sealed class BoundedObjectPoolOptionsValidator : IValidateOptions<BoundedObjectPoolOptions>
{
    public ValidateOptionsResult Validate(string? name, BoundedObjectPoolOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        OptionsGuard.AtLeast(builder, $"{nameof(BoundedObjectPoolOptions)}.{nameof(BoundedObjectPoolOptions.MaximumRetained)}", options.MaximumRetained, 1);
        OptionsGuard.AtLeast(builder, $"{nameof(BoundedObjectPoolOptions)}.{nameof(BoundedObjectPoolOptions.EstimatedObjectSizeBytes)}", options.EstimatedObjectSizeBytes, 0, " (0: unknown)");
        return builder.Build();
    }

    /// <summary>Runs both validators; used where there is no DI container to do it.</summary>
    public static void ThrowIfInvalid(BoundedObjectPoolOptions options) =>
        OptionsGuard.ThrowIfInvalid(options, Options.DefaultName, new BoundedObjectPoolOptionsDataValidator(), new BoundedObjectPoolOptionsValidator());
}
