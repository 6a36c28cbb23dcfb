using Microsoft.Extensions.Options;
using PerfKit.Shared;

namespace PerfKit.Streaming.Internal;

/// <summary>Every rule of <see cref="DirectorySourceOptions"/>; reports every failure, each naming the option.</summary>
internal sealed class DirectorySourceOptionsValidator : IValidateOptions<DirectorySourceOptions>
{
    private const string Prefix = nameof(DirectorySourceOptions) + ".";

    public ValidateOptionsResult Validate(string? name, DirectorySourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ValidateOptionsResultBuilder();
        OptionsGuard.NotBlank(builder, Prefix + nameof(options.Root), options.Root);
        foreach (var pattern in options.Include.Concat(options.Exclude))
        {
            if (string.IsNullOrWhiteSpace(pattern))
            {
                builder.AddError("must not hold a blank pattern.", Prefix + (options.Include.Contains(pattern) ? nameof(options.Include) : nameof(options.Exclude)));
            }
        }

        return builder.Build();
    }

    public static void ThrowIfInvalid(DirectorySourceOptions options) =>
        OptionsGuard.ThrowIfInvalid(options, Options.DefaultName, new DirectorySourceOptionsValidator());
}
