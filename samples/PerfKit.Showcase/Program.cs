using System.Globalization;
using PerfKit.Memory;
using PerfKit.Memory.Pooling;
using PerfKit.Memory.Resources;
using PerfKit.Showcase;

// PerfKit showcase. `dotnet run -c Release --project samples/PerfKit.Showcase [-- --mb 1700 | quickstart | monitoring | readiness [folder]]`
if (args.Contains("quickstart"))
{
    await MemoryQuickStart.RunAsync();
    await CachingQuickStart.RunAsync();
    return 0;
}

if (args.Contains("monitoring"))
{
    await MonitoringQuickStart.RunAsync([]);
    await MonitoringNotificationsQuickStart.RunAsync([]);
    return 0;
}

if (args.Contains("readiness"))
{
    return await ReadinessStory.RunAsync(args.SkipWhile(a => a != "readiness").Skip(1).FirstOrDefault() ?? Path.Combine("artifacts", "showcase-readiness"));
}

var mb = args.SkipWhile(a => a != "--mb").Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault(1700);
return await MemoryStory.RunAsync(mb);

/// <summary>
/// The report's memory claim, measured here: a service that has grown to about 1.7 GB (heavy models loaded for
/// good, a response cache, pooled buffers) is brought under 200 MB by one reclaim-to-target call, and the numbers
/// printed are read from the process, not typed in.
/// </summary>
internal static class MemoryStory
{
    private const long MiB = 1024 * 1024;

    public static async Task<int> RunAsync(int totalMb)
    {
        var budget = new MemoryBudget(new MemoryBudgetOptions
        {
            BudgetBytes = 256 * MiB,
            UsageSource = MemoryUsageSource.WorkingSet,
            AutomaticReclaim = false,
        });
        var idleProcess = Mib(RuntimeMemoryProbe.Instance.Read().WorkingSetBytes);

        // The bloated service: three heavy models (60%), a response cache (30%), pooled buffers (10%).
        var modelMb = totalMb * 6 / 10 / 3;
        var models = Enumerable.Range(1, 3).Select(i => new LazyResource<Blob>(
            _ => ValueTask.FromResult(new Blob(modelMb)),
            new LazyResourceOptions { Name = $"model-{i}", EstimatedSizeBytes = modelMb * MiB })).ToList();
        foreach (var model in models)
        {
            using var lease = await model.AcquireAsync();
            budget.Register(model);
        }

        var cache = new ResponseCache(totalMb * 3 / 10);
        budget.Register(cache);
        using var pool = new BoundedArrayPool<byte>(new BoundedArrayPoolOptions { Name = "buffers", MaxRetainedBytes = totalMb / 10 * MiB, ThreadLocalCaching = false });
        FillPool(pool, totalMb / 10);
        budget.Register(pool);

        var before = RuntimeMemoryProbe.Instance.Read();
        Console.WriteLine($"PerfKit.Memory showcase: process idle at {idleProcess:N0} MB; grown to {Mib(before.WorkingSetBytes):N0} MB working set ({Mib(before.ManagedHeapBytes):N0} MB managed).");
        Console.WriteLine($"Budget {Mib(budget.BudgetBytes):N0} MB, pressure {budget.Sample()}. Reclaiming to 200 MB...");

        var report = await budget.ReclaimAsync(200 * MiB);

        Console.WriteLine();
        Console.WriteLine("| step | outcome | freed (measured) | responder's estimate | time |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        foreach (var step in report.Steps)
        {
            Console.WriteLine($"| {step.Name} | {step.Outcome} | {Mib(step.BytesFreed):N0} MB | {Mib(step.ReportedBytes):N0} MB | {step.Duration.TotalMilliseconds:N0} ms |");
        }

        Console.WriteLine();
        Console.WriteLine($"Working set {Mib(report.BytesBefore):N0} MB -> {Mib(report.BytesAfter):N0} MB in {report.Duration.TotalMilliseconds:N0} ms; target 200 MB {(report.ReachedTarget ? "reached" : "MISSED")}. Pressure now {budget.Sample()}.");
        Console.WriteLine(MemorySnapshot.Capture());

        // The models come back on the next use: the service still works.
        using (var lease = await models[0].AcquireAsync())
        {
            Console.WriteLine($"model-1 reloaded on demand: {lease.Value.Megabytes} MB.");
        }

        GC.KeepAlive(cache);
        return report.ReachedTarget ? 0 : 1;
    }

    private static long Mib(long bytes) => bytes / MiB;

    private static void FillPool(BoundedArrayPool<byte> pool, int megabytes)
    {
        var rented = Enumerable.Range(0, megabytes).Select(_ => Touch(pool.Rent(1024 * 1024))).ToList();
        rented.ForEach(b => pool.Return(b));
    }

    private static byte[] Touch(byte[] block)
    {
        for (var i = 0; i < block.Length; i += 4096)
        {
            block[i] = 1;
        }

        return block;
    }

    /// <summary>A heavy resource: really committed memory.</summary>
    private sealed class Blob
    {
        private readonly byte[][] _blocks;

        public Blob(int megabytes)
        {
            _blocks = [.. Enumerable.Range(0, megabytes).Select(_ => Touch(new byte[MiB]))];
        }

        public int Megabytes => _blocks.Length;
    }

    /// <summary>A response cache that empties itself when asked (PerfKit.Caching will do this by itself).</summary>
    private sealed class ResponseCache : IMemoryPressureResponder
    {
        private readonly Dictionary<int, byte[]> _entries = [];

        public ResponseCache(int megabytes)
        {
            for (var i = 0; i < megabytes * 4; i++)
            {
                _entries[i] = Touch(new byte[256 * 1024]);
            }
        }

        public string Name => "response-cache";

        public int Priority => MemoryResponderPriority.Caches;

        public ValueTask<long> RespondAsync(MemoryPressureContext context, CancellationToken cancellationToken)
        {
            long freed = 0;
            lock (_entries)
            {
                // Shed oldest entries until the responder's share is covered.
                foreach (var key in _entries.Keys.ToList())
                {
                    if (freed >= context.BytesToFree)
                    {
                        break;
                    }

                    freed += _entries[key].Length;
                    _entries.Remove(key);
                }
            }

            return ValueTask.FromResult(freed);
        }
    }
}
