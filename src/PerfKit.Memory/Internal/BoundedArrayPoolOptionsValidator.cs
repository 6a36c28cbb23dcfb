using Microsoft.Extensions.Options;
using PerfKit.Memory.Pooling;
using PerfKit.Shared;

namespace PerfKit.Memory.Internal;

/// <summary>
/// Every rule of <see cref="BoundedArrayPoolOptions"/>, in one message format that names the option and its value;
/// reports every failure. No DataAnnotations: their messages would mix a second format in and do not give the value.
/// </summary>
internal sealed class BoundedArrayPoolOptionsValidator : IValidateOptions<BoundedArrayPoolOptions>
{
    public ValidateOptionsResult Validate(string? name, BoundedArrayPoolOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        OptionsGuard.NotBlank(builder, $"{nameof(BoundedArrayPoolOptions)}.{nameof(BoundedArrayPoolOptions.Name)}", options.Name);
        OptionsGuard.AtLeast(builder, $"{nameof(BoundedArrayPoolOptions)}.{nameof(BoundedArrayPoolOptions.MaxRetainedBytes)}", options.MaxRetainedBytes, 0);
        OptionsGuard.Between(builder, $"{nameof(BoundedArrayPoolOptions)}.{nameof(BoundedArrayPoolOptions.MaxArrayLength)}", options.MaxArrayLength, BoundedArrayPoolOptions.MinimumMaxArrayLength, BoundedArrayPoolOptions.MaximumMaxArrayLength);
        OptionsGuard.Between(builder, $"{nameof(BoundedArrayPoolOptions)}.{nameof(BoundedArrayPoolOptions.MaxArraysPerBucket)}", options.MaxArraysPerBucket, 1, BoundedArrayPoolOptions.MaximumMaxArraysPerBucket);
        return builder.Build();
    }

    /// <summary>Runs the validator; used where there is no DI container to do it.</summary>
    public static void ThrowIfInvalid(BoundedArrayPoolOptions options) =>
        OptionsGuard.ThrowIfInvalid(options, Options.DefaultName, new BoundedArrayPoolOptionsValidator());
}
