using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace PerfKit.Caching.Redis.Internal;

/// <summary>
/// The rules of <see cref="PerfKitRedisOptions"/>, the same at host start (<c>ValidateOnStart</c>) and in the
/// constructors. Messages name the option; the configuration string itself is never repeated (it may hold a password).
/// </summary>
internal sealed class PerfKitRedisOptionsValidator : IValidateOptions<PerfKitRedisOptions>
{
    public ValidateOptionsResult Validate(string? name, PerfKitRedisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        ValidateConnection(options, failures);
        ValidateStore(options, failures);
        if (options.EnableBackplane && string.IsNullOrWhiteSpace(options.Channel))
        {
            failures.Add("PerfKitRedisOptions.Channel must not be empty: it is the pub/sub channel the nodes of a cache share.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Parses <see cref="PerfKitRedisOptions.Configuration"/> as the connection will, or explains why it cannot.</summary>
    public static ConfigurationOptions? TryParse(string? configuration, out string? failure)
    {
        failure = null;
        if (string.IsNullOrWhiteSpace(configuration))
        {
            failure = "PerfKitRedisOptions.Configuration (or PerfKitRedisOptions.ConnectionMultiplexerFactory) is required: where is Redis? For example \"127.0.0.1:6379\".";
            return null;
        }

        ConfigurationOptions parsed;
        try
        {
            parsed = ConfigurationOptions.Parse(configuration);
        }
        catch (ArgumentException ex)
        {
            failure = "PerfKitRedisOptions.Configuration is not a valid StackExchange.Redis configuration string: " + ex.Message;
            return null;
        }

        if (parsed.EndPoints.Count == 0)
        {
            failure = "PerfKitRedisOptions.Configuration names no usable endpoint: expected host:port[,host:port...] with a numeric port, for example \"127.0.0.1:6379\".";
            return null;
        }

        return parsed;
    }

    public static void ThrowIfInvalid(PerfKitRedisOptions options, bool store, bool connection)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (connection)
        {
            ValidateConnection(options, failures);
        }

        if (store)
        {
            ValidateStore(options, failures);
        }

        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }
    }

    private static void ValidateConnection(PerfKitRedisOptions options, List<string> failures)
    {
        if (options.ConnectionMultiplexerFactory is not null)
        {
            if (options.Configuration is not null)
            {
                failures.Add("Set PerfKitRedisOptions.Configuration (PerfKit opens and owns the connection) or PerfKitRedisOptions.ConnectionMultiplexerFactory (PerfKit borrows yours), not both.");
            }

            return;
        }

        if (TryParse(options.Configuration, out var failure) is null)
        {
            failures.Add(failure!);
        }
    }

    private static void ValidateStore(PerfKitRedisOptions options, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(options.KeyPrefix))
        {
            failures.Add("PerfKitRedisOptions.KeyPrefix must not be empty or white space: without a prefix the cache writes at the root of the Redis database, among keys it does not own. Default \"perfkit:\".");
        }

        if (options.MaximumPayloadBytes is < 1 or > PerfKitRedisOptions.MaxMaximumPayloadBytes)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture,
                $"PerfKitRedisOptions.MaximumPayloadBytes is {options.MaximumPayloadBytes}; it must be between 1 and {PerfKitRedisOptions.MaxMaximumPayloadBytes} (512 MiB, the largest Redis string). Default {PerfKitRedisOptions.DefaultMaximumPayloadBytes}."));
        }
    }
}
