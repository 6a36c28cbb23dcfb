using Microsoft.Extensions.Options;
using PerfKit.Memory.Pooling;
using PerfKit.Shared;

namespace PerfKit.Memory.Internal;

/// <summary>The DataAnnotations rules of <see cref="BoundedArrayPoolOptions"/>, generated at compile time (AOT-safe).</summary>
[OptionsValidator]
internal sealed partial class BoundedArrayPoolOptionsDataValidator : IValidateOptions<BoundedArrayPoolOptions>;

/// <summary>The rules whose <c>[Range]</c> message would not be readable; reports every failure.</summary>
internal sealed class BoundedArrayPoolOptionsValidator : IValidateOptions<BoundedArrayPoolOptions>
{
    public ValidateOptionsResult Validate(string? name, BoundedArrayPoolOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        OptionsGuard.AtLeast(builder, $"{nameof(BoundedArrayPoolOptions)}.{nameof(BoundedArrayPoolOptions.MaxRetainedBytes)}", options.MaxRetainedBytes, 0);
        return builder.Build();
    }

    /// <summary>Runs both validators; used where there is no DI container to do it.</summary>
    public static void ThrowIfInvalid(BoundedArrayPoolOptions options) =>
        OptionsGuard.ThrowIfInvalid(options, Options.DefaultName, new BoundedArrayPoolOptionsDataValidator(), new BoundedArrayPoolOptionsValidator());
}
