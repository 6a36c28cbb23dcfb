using Microsoft.Extensions.Options;
using PerfKit.Memory.Pooling;
using PerfKit.Shared;

namespace PerfKit.Memory.Internal;

/// <summary>Every rule of <see cref="BoundedObjectPoolOptions"/>, in one message format that names the option and its value; reports every failure.</summary>
internal sealed class BoundedObjectPoolOptionsValidator : IValidateOptions<BoundedObjectPoolOptions>
{
    public ValidateOptionsResult Validate(string? name, BoundedObjectPoolOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        OptionsGuard.NotBlank(builder, $"{nameof(BoundedObjectPoolOptions)}.{nameof(BoundedObjectPoolOptions.Name)}", options.Name);
        OptionsGuard.AtLeast(builder, $"{nameof(BoundedObjectPoolOptions)}.{nameof(BoundedObjectPoolOptions.MaximumRetained)}", options.MaximumRetained, 1);
        OptionsGuard.AtLeast(builder, $"{nameof(BoundedObjectPoolOptions)}.{nameof(BoundedObjectPoolOptions.EstimatedObjectSizeBytes)}", options.EstimatedObjectSizeBytes, 0, " (0: unknown)");
        return builder.Build();
    }

    /// <summary>Runs the validator; used where there is no DI container to do it.</summary>
    public static void ThrowIfInvalid(BoundedObjectPoolOptions options) =>
        OptionsGuard.ThrowIfInvalid(options, Options.DefaultName, new BoundedObjectPoolOptionsValidator());
}
