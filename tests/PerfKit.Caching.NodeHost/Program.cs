using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PerfKit.Caching;
using PerfKit.Caching.NodeHost;

// One cache node. Wiring: the public DI API only, as a user writes it. Protocol: one command per line on stdin, one
// JSON object per line on stdout in reply (flushed at once); the first line, unasked, says the node is ready. Logs go
// to stderr. See NodeCommands for the commands.
var settings = NodeSettings.Parse(args);
var unobserved = 0L;
TaskScheduler.UnobservedTaskException += (_, e) =>
{
    Interlocked.Increment(ref unobserved);
    Console.Error.WriteLine($"UnobservedTaskException: {e.Exception.InnerException?.GetType().Name}: {e.Exception.InnerException?.Message}".ReplaceLineEndings(" "));
};

using var metrics = new CacheMetricsRecorder();
var logs = new StandardErrorLoggerProvider();
var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();
builder.Logging.AddProvider(logs);
builder.Services
    .AddPerfKitCaching(o =>
    {
        o.Name = "twoproc";
        o.DistributedCacheTimeout = settings.Timeout;
        o.DistributedCacheBreakDuration = settings.BreakDuration;
        o.DistributedOutboxCapacity = settings.OutboxCapacity;
    })
    .AddRedis(o =>
    {
        o.Configuration = settings.Redis;
        o.KeyPrefix = settings.KeyPrefix;
        o.Channel = settings.Channel;
    });

using var host = builder.Build();
await host.StartAsync();
var cache = host.Services.GetRequiredService<PerfKitCache>(); // resolving it subscribes to the backplane

var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true };
var commands = new NodeCommands(cache, settings.Node, metrics, logs, () => Interlocked.Read(ref unobserved));
await stdout.WriteLineAsync(new JsonObject { ["ok"] = true, ["ready"] = true, ["pid"] = Environment.ProcessId }.ToJsonString());

var input = StandardInputLines.Start();
while (await input.WaitToReadAsync() && input.TryRead(out var line))
{
    if (line.Trim() == "quit")
    {
        await stdout.WriteLineAsync(new JsonObject { ["ok"] = true }.ToJsonString());
        break;
    }

    JsonObject reply;
    try
    {
        reply = await commands.RunAsync(line);
    }
#pragma warning disable CA1031 // A bad command or a cache exception is the command's reply; the node goes on.
    catch (Exception ex)
#pragma warning restore CA1031
    {
        reply = new JsonObject { ["ok"] = false, ["error"] = $"{ex.GetType().Name}: {ex.Message}" };
    }

    await stdout.WriteLineAsync(reply.ToJsonString());
}

await commands.StopLoadAsync();
await host.StopAsync();
