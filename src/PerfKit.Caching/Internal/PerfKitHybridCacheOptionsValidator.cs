using Microsoft.Extensions.Options;
using PerfKit.Caching.Hybrid;
using PerfKit.Shared;

namespace PerfKit.Caching.Internal;

/// <summary>Every rule of <see cref="PerfKitHybridCacheOptions"/>.</summary>
internal sealed class PerfKitHybridCacheOptionsValidator : IValidateOptions<PerfKitHybridCacheOptions>
{
    private static readonly PerfKitHybridCacheOptionsValidator Instance = new();

    public static void ThrowIfInvalid(PerfKitHybridCacheOptions options) => OptionsGuard.ThrowIfInvalid(options, null, Instance);

    public ValidateOptionsResult Validate(string? name, PerfKitHybridCacheOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        OptionsGuard.AtLeast(builder, "PerfKitHybridCacheOptions.MaximumKeyLength", options.MaximumKeyLength, 1);
        return builder.Build();
    }
}
