using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace PerfKit.Caching.NodeHost;

/// <summary>
/// The commands (arguments separated by single spaces; a value is the rest of the line):
/// <c>set k v</c>, <c>get k</c> (the value or null; a miss caches nothing), <c>remove k</c>, <c>tag-set k tag v</c>,
/// <c>remove-tag tag</c>, <c>flight k ms</c> (a cold key under cluster-wide single flight, a factory of <c>ms</c>; the value and whether the factory ran here), <c>load-start keys</c>, <c>load-stop</c> (the load's figures and its last write per key),
/// <c>load seconds keys</c> (both in one), <c>stats</c> (metrics, outbox, load progress, logs), <c>quit</c>.
/// Every reply has <c>ok</c>; calls report their latency as <c>ms</c>.
/// </summary>
internal sealed class NodeCommands(PerfKitCache cache, string node, CacheMetricsRecorder metrics, StandardErrorLoggerProvider logs, Func<long> unobserved)
{
    private static readonly Func<CacheFactoryContext, CancellationToken, ValueTask<string?>> Absent = static (context, _) =>
    {
        context.DoNotCache();
        return ValueTask.FromResult<string?>(null);
    };

    private LoadRunner? _load;

    public async Task<JsonObject> RunAsync(string line)
    {
        var parts = line.Split(' ', 2);
        var rest = parts.Length > 1 ? parts[1] : string.Empty;
        var start = Stopwatch.GetTimestamp();
        switch (parts[0])
        {
            case "set":
                var (key, value) = Split(rest);
                await cache.SetAsync(key, value);
                return Done(start);
            case "get":
                var found = await cache.GetOrCreateAsync(rest, Absent);
                var reply = Done(start);
                reply["value"] = found;
                return reply;
            case "remove":
                await cache.RemoveAsync(rest);
                return Done(start);
            case "tag-set":
                var (tagKey, tagAndValue) = Split(rest);
                var (tag, tagged) = Split(tagAndValue);
                await cache.SetAsync(tagKey, tagged, new CacheEntryOptions { Tags = [tag] });
                return Done(start);
            case "remove-tag":
                await cache.RemoveByTagAsync(rest);
                return Done(start);
            case "load-start":
                if (_load is not null)
                {
                    throw new InvalidOperationException("A load is already running.");
                }

                _load = new LoadRunner(cache, node, int.Parse(rest, CultureInfo.InvariantCulture));
                _load.Start();
                return Done(start);
            case "load-stop":
                return await StopLoadAsync() ?? throw new InvalidOperationException("No load is running.");
            case "load":
                var (seconds, keys) = Split(rest);
                await RunAsync("load-start " + keys);
                await Task.Delay(TimeSpan.FromSeconds(double.Parse(seconds, CultureInfo.InvariantCulture)));
                return (await StopLoadAsync())!;
            case "flight":
                // A cold key under cluster-wide single flight; the factory takes `ms` and answers with this node's name.
                var (flightKey, ms) = Split(rest);
                var ran = false;
                var answer = await cache.GetOrCreateAsync(flightKey, async (_, ct) =>
                {
                    ran = true;
                    await Task.Delay(TimeSpan.FromMilliseconds(double.Parse(ms, CultureInfo.InvariantCulture)), ct);
                    return node;
                }, new CacheEntryOptions { ClusterSingleFlight = true, ClusterSingleFlightTimeout = TimeSpan.FromSeconds(30) });
                var flight = Done(start);
                flight["value"] = answer;
                flight["ran"] = ran;
                return flight;
            case "stats":
                return Stats();
            default:
                throw new ArgumentException($"Unknown command '{parts[0]}'.", nameof(line));
        }
    }

    public async Task<JsonObject?> StopLoadAsync()
    {
        if (_load is not { } load)
        {
            return null;
        }

        _load = null;
        var result = await load.StopAsync();

        // Abandoned tasks that faulted unobserved are reported by the finalizer: collect, so they are counted now.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        result["ok"] = true;
        result["unobserved"] = unobserved();
        return result;
    }

    private JsonObject Stats()
    {
        metrics.Observe();
        return new JsonObject
        {
            ["ok"] = true,
            ["t"] = NodeClock.NowMs,
            ["pending"] = cache.PendingDistributedOperations,
            ["pendingGauge"] = metrics.Gauge(PerfKitCachingDiagnostics.Instruments.OutboxPending),
            ["queued"] = metrics.Total(PerfKitCachingDiagnostics.Instruments.OutboxQueued),
            ["replayed"] = metrics.Total(PerfKitCachingDiagnostics.Instruments.OutboxReplayed),
            ["dropped"] = metrics.Total(PerfKitCachingDiagnostics.Instruments.OutboxDropped),
            ["l2Errors"] = metrics.Total(PerfKitCachingDiagnostics.Instruments.DistributedErrors),
            ["loadCalls"] = _load?.Calls ?? 0,
            ["loadExceptions"] = _load?.Exceptions ?? 0,
            ["unobserved"] = unobserved(),
            ["warnings"] = logs.Count(LogLevel.Warning),
            ["errors"] = logs.Count(LogLevel.Error) + logs.Count(LogLevel.Critical),
            ["metrics"] = metrics.ToJson(),
        };
    }

    private static JsonObject Done(long start) => new() { ["ok"] = true, ["ms"] = Stopwatch.GetElapsedTime(start).TotalMilliseconds };

    private static (string Head, string Tail) Split(string text)
    {
        var parts = text.Split(' ', 2);
        return parts.Length == 2 && parts[0].Length > 0 ? (parts[0], parts[1]) : throw new ArgumentException($"Expected two arguments, got '{text}'.", nameof(text));
    }
}
