using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace PerfKit.Caching.NodeHost;

/// <summary>
/// A read/write load through the public API, timing every call and catching every exception (none should reach a
/// caller). Keys: <c>load:r:{i}</c> are shared by the nodes and read through a factory (a miss writes the factory's
/// value to L2); <c>load:{node}:w:{i}</c> belong to this node, each to one worker, and are written, removed and read
/// back, so the last operation on each key is known exactly and can be checked against Redis after recovery.
/// </summary>
internal sealed class LoadRunner
{
    private const int Workers = 4;

    // A short pause between calls keeps two nodes, Redis and the test within a shared 2-core machine's means: the
    // point is many calls in flight when Redis dies, not the highest rate.
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(2);

    private static readonly Func<CacheFactoryContext, int, CancellationToken, ValueTask<string>> ReadFactory =
        static (_, i, _) => ValueTask.FromResult("r" + i);

    private static readonly Func<CacheFactoryContext, CancellationToken, ValueTask<string?>> AbsentFactory = static (context, _) =>
    {
        context.DoNotCache(); // a read must never write: the key's writer alone decides what L2 holds
        return ValueTask.FromResult<string?>(null);
    };

    private readonly IPerfKitCache _cache;
    private readonly string _node;
    private readonly int _keys;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _exceptionSamples = new();
    private readonly ConcurrentQueue<string> _wrongValueSamples = new();
    private readonly Worker[] _workers;
    private Task[] _tasks = [];
    private long _calls;
    private long _exceptions;
    private long _wrongValues;
    private readonly List<(double Ms, double AtMs, string State)> _lags = [];

    public LoadRunner(IPerfKitCache cache, string node, int keys)
    {
        _cache = cache;
        _node = node;
        _keys = Math.Max(keys, Workers);
        _workers = [.. Enumerable.Range(0, Workers).Select(static w => new Worker(w))];
    }

    public long Calls => Interlocked.Read(ref _calls);

    public long Exceptions => Interlocked.Read(ref _exceptions);

    public void Start() => _tasks = [.. _workers.Select(w => Task.Run(() => RunAsync(w))), Task.Run(MeasureSchedulingLagAsync)];

    public async Task<JsonObject> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_tasks);
        var all = _workers.SelectMany(static w => w.Latencies).Order().ToArray();
        var slowest = _workers.SelectMany(static w => w.Slowest).OrderByDescending(static s => s.Ms).Take(8);
        var writes = new JsonObject();
        foreach (var (key, write) in _workers.SelectMany(static w => w.LastWrite).OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            writes[key] = new JsonObject { ["value"] = write.Value, ["t"] = write.AtMs };
        }

        return new JsonObject
        {
            ["calls"] = Calls,
            ["exceptions"] = Exceptions,
            ["exceptionSamples"] = new JsonArray([.. _exceptionSamples.Select(static s => (JsonNode)s!)]),
            ["wrongValues"] = Interlocked.Read(ref _wrongValues),
            ["wrongValueSamples"] = new JsonArray([.. _wrongValueSamples.Select(static s => (JsonNode)s!)]),
            ["maxMs"] = all.Length == 0 ? 0 : all[^1],
            ["p99Ms"] = all.Length == 0 ? 0 : all[(int)Math.Min(all.Length - 1, Math.Ceiling(all.Length * 0.99) - 1)],
            ["p50Ms"] = all.Length == 0 ? 0 : all[all.Length / 2],
            ["schedulingLagMaxMs"] = _lags.Count == 0 ? 0 : _lags.Max(static l => l.Ms),
            ["schedulingLags"] = new JsonArray([.. _lags.OrderByDescending(static l => l.Ms).Take(5).Select(static l => (JsonNode)$"{l.Ms:F0} ms at t={l.AtMs:F0} ({l.State})")]),
            ["slowest"] = new JsonArray([.. slowest.Select(static s => (JsonNode)$"{s.Operation} {s.Ms:F0} ms at t={s.AtMs:F0}")]),
            ["writes"] = writes,
        };
    }

    private async Task RunAsync(Worker worker)
    {
        var random = new Random(HashCode.Combine(_node, worker.Index));
        var ownKeys = _keys / Workers;
        while (!_stop.IsCancellationRequested)
        {
            var roll = random.Next(100);
            var operation = roll < 50 ? "read" : roll < 70 ? "get" : roll < 95 ? "set" : "remove";
            var shared = random.Next(_keys);
            var key = operation == "read" ? "load:r:" + shared : $"load:{_node}:w:{worker.Index + (Workers * random.Next(ownKeys))}";
            var start = Stopwatch.GetTimestamp();
            try
            {
                switch (operation)
                {
                    case "read":
                        Check(await _cache.GetOrCreateAsync(key, shared, ReadFactory), "r" + shared);
                        break;
                    case "get":
                        // Read-your-writes: only this worker writes the key, so this node must return its last write.
                        Check(await _cache.GetOrCreateAsync(key, AbsentFactory), worker.LastWrite.GetValueOrDefault(key).Value);
                        break;
                    case "set":
                        var value = $"{_node}:{key}:{++worker.Sequence}";
                        worker.LastWrite[key] = (value, NodeClock.At(start)); // before the call: a write that threw is still the one L2 should end with
                        await _cache.SetAsync(key, value);
                        break;
                    default:
                        worker.LastWrite[key] = (null, NodeClock.At(start));
                        await _cache.RemoveAsync(key);
                        break;
                }
            }
#pragma warning disable CA1031 // Every exception that reaches a caller is what this load counts.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                if (Interlocked.Increment(ref _exceptions) <= 20)
                {
                    _exceptionSamples.Enqueue($"{operation} {key}: {ex.GetType().Name}: {ex.Message}");
                }
            }

            var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            worker.Record(operation, ms, NodeClock.At(start));
            Interlocked.Increment(ref _calls);
            await Task.Delay(Pause);
        }
    }

    /// <summary>
    /// How late a 10 ms timer's continuation runs: when a call is slow, this tells the process's own scheduling delay
    /// (thread-pool starvation, GC, a starved CPU) apart from time spent waiting on L2.
    /// </summary>
    private async Task MeasureSchedulingLagAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var start = Stopwatch.GetTimestamp();
            var threads = ThreadPool.ThreadCount;
            var pause = GC.GetTotalPauseDuration();
            await Task.Delay(10);
            var lag = Stopwatch.GetElapsedTime(start).TotalMilliseconds - 10;
            if (lag > 50)
            {
                // What the process did meanwhile: GC pauses, and thread-pool threads added (the pool injects threads
                // slowly when its threads are blocked), with the work items still queued.
                _lags.Add((lag, NodeClock.At(start), $"GC paused {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:F0} ms, pool threads {threads}->{ThreadPool.ThreadCount}, queued {ThreadPool.PendingWorkItemCount}"));
            }
        }
    }

    private void Check(string? actual, string? expected)
    {
        if (actual != expected)
        {
            if (Interlocked.Increment(ref _wrongValues) <= 5)
            {
                _wrongValueSamples.Enqueue($"wrong value: expected '{expected}', got '{actual}'");
            }
        }
    }

    private sealed class Worker(int index)
    {
        public int Index { get; } = index;

        public long Sequence { get; set; }

        /// <summary>Each key's last write (null: removed) and when it started, in node time.</summary>
        public Dictionary<string, (string? Value, double AtMs)> LastWrite { get; } = new(StringComparer.Ordinal);

        public List<double> Latencies { get; } = [];

        public List<(string Operation, double Ms, double AtMs)> Slowest { get; } = [];

        public void Record(string operation, double ms, double atMs)
        {
            Latencies.Add(ms);
            if (Slowest.Count < 5)
            {
                Slowest.Add((operation, ms, atMs));
                return;
            }

            var min = 0;
            for (var i = 1; i < Slowest.Count; i++)
            {
                if (Slowest[i].Ms < Slowest[min].Ms)
                {
                    min = i;
                }
            }

            if (ms > Slowest[min].Ms)
            {
                Slowest[min] = (operation, ms, atMs);
            }
        }
    }
}
