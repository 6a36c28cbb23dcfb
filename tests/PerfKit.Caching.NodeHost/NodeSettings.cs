using System.Globalization;

namespace PerfKit.Caching.NodeHost;

/// <summary>The node's command line: <c>--redis host:port --prefix p: --channel c --node A [--timeout-ms 500] [--break-ms 1000] [--outbox-capacity 10000]</c>.</summary>
internal sealed class NodeSettings
{
    public required string Redis { get; init; }

    public required string KeyPrefix { get; init; }

    public required string Channel { get; init; }

    /// <summary>This node's name: it names the keys its load writes, so each key has one writer.</summary>
    public required string Node { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(1);

    public int OutboxCapacity { get; init; } = PerfKitCacheOptions.DefaultDistributedOutboxCapacity;

    public static NodeSettings Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Expected an option such as --redis, got '{args[i]}'.", nameof(args));
            }

            values[args[i][2..]] = args[i + 1];
        }

        string Required(string name) => values.TryGetValue(name, out var value) && value.Length > 0
            ? value
            : throw new ArgumentException($"--{name} is required.", nameof(args));

        int Int(string name, int fallback) => values.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

        return new NodeSettings
        {
            Redis = Required("redis"),
            KeyPrefix = Required("prefix"),
            Channel = Required("channel"),
            Node = Required("node"),
            Timeout = TimeSpan.FromMilliseconds(Int("timeout-ms", 500)),
            BreakDuration = TimeSpan.FromMilliseconds(Int("break-ms", 1000)),
            OutboxCapacity = Int("outbox-capacity", PerfKitCacheOptions.DefaultDistributedOutboxCapacity),
        };
    }
}
