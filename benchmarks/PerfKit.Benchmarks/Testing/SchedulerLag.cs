using System.Diagnostics;
using System.Globalization;
using PerfKit.Testing;

namespace PerfKit.Benchmarks.Testing;

/// <summary>
/// The open-model generator's own lateness (scheduler lag) with a no-op scenario on the system clock, sleeping all
/// the way (the default) and with a 1.5 ms <see cref="OpenModel.SpinWindow"/>, with the process CPU it cost. Not a
/// BenchmarkDotNet benchmark: lag is a distribution over a real-time run, not a per-call time.
/// </summary>
internal static class SchedulerLag
{
    public static async Task<int> RunAsync()
    {
        Console.WriteLine("| spin window | rate | lag p50 (ms) | lag p99 (ms) | lag max (ms) | corrected p50 of a no-op (ms) | CPU (share of one core) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var spin in new[] { 0.0, 1.5 })
        {
            foreach (var rate in new[] { 100.0, 1_000, 5_000 })
            {
                using var process = Process.GetCurrentProcess();
                var cpu = process.TotalProcessorTime;
                var result = await LoadTest.RunAsync("lag", static _ => ValueTask.CompletedTask, new OpenModel(rate, TimeSpan.FromSeconds(3)) { SpinWindow = TimeSpan.FromMilliseconds(spin) });
                process.Refresh();
                var share = (process.TotalProcessorTime - cpu).TotalMilliseconds / result.Duration.TotalMilliseconds;
                var lag = result.SchedulerLag!;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {spin} ms | {rate:N0}/s | {lag.Percentile(50).TotalMilliseconds:0.###} | {lag.Percentile(99).TotalMilliseconds:0.###} | {lag.Max.TotalMilliseconds:0.###} | {result.Latency.Percentile(50).TotalMilliseconds:0.###} | {share:P0} |"));
            }
        }

        return 0;
    }
}
