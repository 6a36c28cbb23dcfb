using Microsoft.Extensions.Options;
using PerfKit.Caching.Batching;
using PerfKit.Shared;

namespace PerfKit.Caching.Internal;

/// <summary>Every rule of <see cref="BatchLoaderOptions"/>; every failure is reported, not only the first.</summary>
internal sealed class BatchLoaderOptionsValidator : IValidateOptions<BatchLoaderOptions>
{
    private static readonly BatchLoaderOptionsValidator Instance = new();

    public static void ThrowIfInvalid(BatchLoaderOptions options) => OptionsGuard.ThrowIfInvalid(options, null, Instance);

    public ValidateOptionsResult Validate(string? name, BatchLoaderOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        OptionsGuard.NotBlank(builder, "BatchLoaderOptions.Name", options.Name);
        OptionsGuard.Between(builder, "BatchLoaderOptions.MaximumBatchSize", options.MaximumBatchSize, 1, BatchLoaderOptions.MaximumBatchSizeLimit);
        OptionsGuard.AtLeast(builder, "BatchLoaderOptions.MaximumConcurrentBatches", options.MaximumConcurrentBatches, 1);
        OptionsGuard.AtLeast(builder, "BatchLoaderOptions.MaximumPendingKeys", options.MaximumPendingKeys, 1);
        if (options.LingerTime < TimeSpan.Zero || options.LingerTime > BatchLoaderOptions.MaximumLingerTime)
        {
            builder.AddError($"must be between 00:00:00 and {BatchLoaderOptions.MaximumLingerTime}; it is {options.LingerTime}.", "BatchLoaderOptions.LingerTime");
        }

        if (options.BatchTimeout == Timeout.InfiniteTimeSpan)
        {
            builder.AddError("must be positive; it is Timeout.InfiniteTimeSpan (every batch needs a bound, so that no caller waits for good).", "BatchLoaderOptions.BatchTimeout");
        }
        else if (options.BatchTimeout <= TimeSpan.Zero)
        {
            builder.AddError($"must be positive; it is {options.BatchTimeout}.", "BatchLoaderOptions.BatchTimeout");
        }

        if (options.MaximumPendingKeys >= 1 && options.MaximumBatchSize >= 1 && options.MaximumPendingKeys < options.MaximumBatchSize)
        {
            builder.AddError($"must be at least BatchLoaderOptions.MaximumBatchSize ({options.MaximumBatchSize}), or no batch could ever fill; it is {options.MaximumPendingKeys}.", "BatchLoaderOptions.MaximumPendingKeys");
        }

        return builder.Build();
    }
}
