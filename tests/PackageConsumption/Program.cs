using Microsoft.Extensions.DependencyInjection;
using PerfKit.Caching;
using Microsoft.Extensions.Hosting;
using PerfKit.Memory;
using PerfKit.Memory.Pooling;
using PerfKit.Memory.Resources;

// Each package's public entry point, used once, as a NuGet user would. Any failure exits non-zero.
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddPerfKitMemory(o => o.BudgetBytes = 512L * 1024 * 1024)
    .AddLazyResource<Dictionary<int, string>>((_, _) => ValueTask.FromResult(Enumerable.Range(0, 1000).ToDictionary(i => i, i => i.ToString())))
    .AddBoundedArrayPool();
builder.Services.AddPerfKitCaching(o => o.Name = "consumer");
var reportFolder = Path.Combine(Path.GetTempPath(), "perfkit-consumer-" + Environment.ProcessId);
builder.Services.AddPerfKitTesting(o => o.ReportDirectory = reportFolder);
using var host = builder.Build();
await host.StartAsync();

var budget = host.Services.GetRequiredService<IMemoryBudget>();
Check(budget.BudgetBytes == 512L * 1024 * 1024, "PerfKit.Memory: budget from options");
var table = host.Services.GetRequiredService<LazyResource<Dictionary<int, string>>>();
using (var lease = await table.AcquireAsync())
{
    Check(lease.Value[42] == "42", "PerfKit.Memory: lazy resource loads");
}

var pool = host.Services.GetRequiredService<BoundedArrayPool<byte>>();
var buffer = pool.Rent(1000);
pool.Return(buffer);
Check(pool.Rent(1000) == buffer, "PerfKit.Memory: pool reuses");
var report = await budget.ReclaimAsync(targetBytes: 1);
Check(report.Steps.Any(s => s.Name == "arrays") && !table.IsLoaded, "PerfKit.Memory: reclaim asks responders");
Console.WriteLine($"PerfKit.Memory OK: level {budget.Level}, {report}");
Console.WriteLine(MemorySnapshot.Capture());

var cache = host.Services.GetRequiredService<IPerfKitCache>();
var calls = 0;
for (var i = 0; i < 3; i++)
{
    var answer = await cache.GetOrCreateAsync("answer", (_, _) => { calls++; return ValueTask.FromResult(42); });
    Check(answer == 42, "PerfKit.Caching: value");
}

Check(calls == 1, "PerfKit.Caching: one factory call, then L1 hits");
Check(report.Steps.Any(s => s.Name == "cache:consumer"), "PerfKit.Caching: registered as a memory responder (reclaimed above)");
Console.WriteLine("PerfKit.Caching OK");

// The Redis satellite wires L2 and the backplane without connecting until first use.
var redisServices = new ServiceCollection();
redisServices.AddPerfKitCaching().AddRedis(o => o.Configuration = Environment.GetEnvironmentVariable("PERFKIT_REDIS") ?? "127.0.0.1:6379");
await using (var redisProvider = redisServices.BuildServiceProvider())
{
    Check(redisProvider.GetRequiredService<ICacheBackplane>() is PerfKit.Caching.Redis.RedisCacheBackplane, "PerfKit.Caching.Redis: backplane registered");
    var store = redisProvider.GetRequiredService<PerfKit.Caching.Distributed.IDistributedCacheStore>();
    Check(store is PerfKit.Caching.Redis.RedisDistributedCacheStore, "PerfKit.Caching.Redis: L2 store registered");
    if (Environment.GetEnvironmentVariable("PERFKIT_REDIS") is not null)
    {
        await redisProvider.GetRequiredService<IPerfKitCache>().SetAsync("consumer-check", 7);
        var raw = await store.GetAsync("consumer-check", CancellationToken.None);
        Check(raw is { Length: > 0 }, "PerfKit.Caching.Redis: the cache's value written to Redis by the store");
        Console.WriteLine("PerfKit.Caching.Redis OK (against " + Environment.GetEnvironmentVariable("PERFKIT_REDIS") + ")");
    }
}
var histogram = new PerfKit.Testing.LatencyHistogram();
histogram.Record(TimeSpan.FromMilliseconds(5));
Check(histogram.Percentile(99) >= TimeSpan.FromMilliseconds(5), "PerfKit.Testing: histogram");
Check(PerfKit.Testing.Allocations.PerCall(() => GC.KeepAlive(new object())) > 0, "PerfKit.Testing: allocation measurement");
var load = await PerfKit.Testing.LoadTest.RunAsync("consumer", _ => ValueTask.CompletedTask, new PerfKit.Testing.ClosedModel(2) { Iterations = 10 });
Check(load.Iterations == 10 && load.IsValid, "PerfKit.Testing: load run");
var ramp = await PerfKit.Testing.LoadTest.RunAsync("ramp", _ => ValueTask.CompletedTask,
    new PerfKit.Testing.OpenModel([PerfKit.Testing.LoadStage.RampTo(100, TimeSpan.FromSeconds(1))]), new PerfKit.Testing.VirtualLoadClock());
Check(ramp.Iterations == 50, "PerfKit.Testing: ramping open model");
var knee = await PerfKit.Testing.StressTest.FindKneeAsync("knee", _ => ValueTask.CompletedTask,
    new PerfKit.Testing.StressOptions(100, TimeSpan.FromSeconds(1)) { StepDuration = TimeSpan.FromSeconds(1), MaxRate = 400 }, new PerfKit.Testing.VirtualLoadClock());
Check(knee.Knee == 400, "PerfKit.Testing: stress search");
var runner = host.Services.GetRequiredService<PerfKit.Testing.ILoadTestRunner>();
var written = await runner.WriteReportAsync(new PerfKit.Testing.Reports.ReadinessReport("consumer").CheckErrorRate(load, 0.01).CheckKnee(knee, 100));
Check(written.Count == 4 && File.ReadAllText(written.Single(f => f.EndsWith(".html", StringComparison.Ordinal))).Contains("<svg", StringComparison.Ordinal), "PerfKit.Testing: runner writes the reports, HTML with charts");
Directory.Delete(reportFolder, recursive: true);
Console.WriteLine("PerfKit.Testing OK");
await host.StopAsync();
Console.WriteLine("Package consumption check: all packages restored from the local feed and used.");
return 0;

static void Check(bool condition, string what)
{
    if (!condition)
    {
        Console.Error.WriteLine("FAILED: " + what);
        Environment.Exit(1);
    }
}
