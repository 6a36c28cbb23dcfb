using System.Globalization;
using Microsoft.Extensions.Options;
using PerfKit.Shared;

namespace PerfKit.Streaming.Internal;

/// <summary>
/// Every rule of <see cref="StreamingPipelineOptions"/>, in one message format that names the option and its value;
/// reports every failure. The checkpoint path is checked by writing (and deleting) a probe file beside it.
/// </summary>
internal sealed class StreamingPipelineOptionsValidator : IValidateOptions<StreamingPipelineOptions>
{
    private const string Prefix = nameof(StreamingPipelineOptions) + ".";

    public ValidateOptionsResult Validate(string? name, StreamingPipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ValidateOptionsResultBuilder();
        OptionsGuard.NotBlank(builder, Prefix + nameof(options.Name), options.Name);
        OptionsGuard.AtLeast(builder, Prefix + nameof(options.MaxDegreeOfParallelism), options.MaxDegreeOfParallelism, 1);
        OptionsGuard.AtLeast(builder, Prefix + nameof(options.MaxBytesInFlight), options.MaxBytesInFlight, 1);
        OptionsGuard.AtLeast(builder, Prefix + nameof(options.MaxItemsInFlight), options.MaxItemsInFlight, 1);
        OptionsGuard.AtLeast(builder, Prefix + nameof(options.MaxItemBytes), options.MaxItemBytes, 0);
        if (options.MaxItemBytes > 0 && options.MaxBytesInFlight >= 1 && options.MaxBytesInFlight < options.MaxItemBytes)
        {
            builder.AddError(
                string.Create(CultureInfo.InvariantCulture, $"must be at least StreamingPipelineOptions.MaxItemBytes ({options.MaxItemBytes}), the largest item, so that one fits; it is {options.MaxBytesInFlight}."),
                Prefix + nameof(options.MaxBytesInFlight));
        }

        OptionsGuard.AtLeast(builder, Prefix + nameof(options.BatchSize), options.BatchSize, 1);
        OptionsGuard.AtLeast(builder, Prefix + nameof(options.BatchBytes), options.BatchBytes, 1);
        Positive(builder, Prefix + nameof(options.BatchInterval), options.BatchInterval);
        OptionsGuard.Defined(builder, Prefix + nameof(options.ErrorPolicy), options.ErrorPolicy);
        OptionsGuard.Between(builder, Prefix + nameof(options.MaxRetries), options.MaxRetries, 0, StreamingPipelineOptions.MaximumMaxRetries);
        NotNegative(builder, Prefix + nameof(options.RetryDelay), options.RetryDelay);
        OptionsGuard.AtLeast(builder, Prefix + nameof(options.MaxReportedFailures), options.MaxReportedFailures, 0);
        Positive(builder, Prefix + nameof(options.ProgressInterval), options.ProgressInterval);
        NotNegative(builder, Prefix + nameof(options.CheckpointInterval), options.CheckpointInterval);
        if (options.CheckpointPath is { } path)
        {
            CheckWritable(builder, Prefix + nameof(options.CheckpointPath), path);
        }

        return builder.Build();
    }

    public static void ThrowIfInvalid(StreamingPipelineOptions options) =>
        OptionsGuard.ThrowIfInvalid(options, Options.DefaultName, new StreamingPipelineOptionsValidator());

    private static void Positive(ValidateOptionsResultBuilder builder, string member, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            builder.AddError(string.Create(CultureInfo.InvariantCulture, $"must be greater than 0; it is {value}."), member);
        }
    }

    private static void NotNegative(ValidateOptionsResultBuilder builder, string member, TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            builder.AddError(string.Create(CultureInfo.InvariantCulture, $"must not be negative; it is {value}."), member);
        }
    }

    private static void CheckWritable(ValidateOptionsResultBuilder builder, string member, string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            builder.AddError("must not be blank when set (null for no checkpoints).", member);
            return;
        }

        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            builder.AddError($"is not a valid path: {e.Message}; it is '{path}'.", member);
            return;
        }

        if (Directory.Exists(full))
        {
            builder.AddError($"names a folder, not a file; it is '{path}'.", member);
            return;
        }

        var folder = Path.GetDirectoryName(full);
        if (folder is not null && !Directory.Exists(folder) && FileOnPath(folder) is { } file)
        {
            builder.AddError($"must be in a folder, but '{file}' is a file, not a folder (it is '{path}').", member);
            return;
        }

        if (folder is null || !Directory.Exists(folder))
        {
            builder.AddError($"must be in an existing folder; '{folder}' does not exist (it is '{path}').", member);
            return;
        }

        var probe = Path.Join(folder, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + ".probe");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            builder.AddError($"cannot be written ({e.Message}); it is '{path}'.", member);
        }
    }

    private static string? FileOnPath(string folder)
    {
        for (var current = folder; current is not null; current = Path.GetDirectoryName(current))
        {
            if (File.Exists(current))
            {
                return current;
            }

            if (Directory.Exists(current))
            {
                return null;
            }
        }

        return null;
    }
}
