namespace PerfKit.Monitoring.Internal;

/// <summary>
/// The instruments a rule may name without its meter: the runtime's (<c>System.Runtime</c>, .NET 9 and later),
/// ASP.NET Core's hosting meter, HttpClient's, and any <c>perfkit.*</c> instrument (PerfKit's meters).
/// </summary>
internal static class KnownInstruments
{
    public const string HeapAfterGc = "dotnet.gc.last_collection.heap.size";
    public const string MemoryMeter = "PerfKit.Memory";
    public const string MemoryBudget = "perfkit.memory.budget";
    public const string MemoryUsage = "perfkit.memory.usage";

    private static readonly Dictionary<string, string> MeterOf = new(StringComparer.Ordinal)
    {
        ["dotnet.process.cpu.time"] = "System.Runtime",
        ["dotnet.process.cpu.count"] = "System.Runtime",
        ["dotnet.process.memory.working_set"] = "System.Runtime",
        ["dotnet.gc.collections"] = "System.Runtime",
        ["dotnet.gc.heap.total_allocated"] = "System.Runtime",
        [HeapAfterGc] = "System.Runtime",
        ["dotnet.gc.last_collection.memory.committed_size"] = "System.Runtime",
        ["dotnet.gc.last_collection.heap.fragmentation.size"] = "System.Runtime",
        ["dotnet.gc.pause.time"] = "System.Runtime",
        ["dotnet.jit.compiled_il.size"] = "System.Runtime",
        ["dotnet.jit.compiled_methods"] = "System.Runtime",
        ["dotnet.jit.compilation.time"] = "System.Runtime",
        ["dotnet.monitor.lock_contentions"] = "System.Runtime",
        ["dotnet.thread_pool.thread.count"] = "System.Runtime",
        ["dotnet.thread_pool.work_item.count"] = "System.Runtime",
        ["dotnet.thread_pool.queue.length"] = "System.Runtime",
        ["dotnet.timer.count"] = "System.Runtime",
        ["dotnet.assembly.count"] = "System.Runtime",
        ["dotnet.exceptions"] = "System.Runtime",
        ["http.server.request.duration"] = "Microsoft.AspNetCore.Hosting",
        ["http.server.active_requests"] = "Microsoft.AspNetCore.Hosting",
        ["http.client.request.duration"] = "System.Net.Http",
        ["http.client.active_requests"] = "System.Net.Http",
        ["http.client.open_connections"] = "System.Net.Http",
        ["http.client.connection.duration"] = "System.Net.Http",
        ["http.client.request.time_in_queue"] = "System.Net.Http",
    };

    /// <summary>The meter of a known instrument; <c>PerfKit.*</c> for any <c>perfkit.*</c> instrument; null when unknown.</summary>
    public static string? Meter(string instrument) =>
        MeterOf.TryGetValue(instrument, out var meter) ? meter
        : instrument.StartsWith("perfkit.", StringComparison.Ordinal) ? "PerfKit.*"
        : null;
}
