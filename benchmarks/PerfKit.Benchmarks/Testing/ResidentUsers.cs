using System.Diagnostics;
using System.Globalization;
using PerfKit.Testing;

namespace PerfKit.Benchmarks.Testing;

/// <summary>
/// The resident memory of 10,000 virtual users, beside the allocation figure the guard checks: 10,000 users each
/// awaiting <c>Task.Delay(100 ms)</c> for 10 s, through PerfKit.Testing's closed model and through a hand-written loop
/// of 10,000 tasks that time and record the same, each in a fresh process of its own, plus a process that only starts
/// (the runtime's own floor). Peak resident set (Linux <c>VmHWM</c>, else the peak working set) and the managed heap
/// at the end. Not a BenchmarkDotNet benchmark: a peak over a real-time run, not a per-call figure.
/// </summary>
internal static class ResidentUsers
{
    private const int Users = 10_000;
    private static readonly TimeSpan RunTime = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(100);

    public static int Run()
    {
        Console.WriteLine($"{Users:N0} virtual users, each awaiting Task.Delay({Pause.TotalMilliseconds} ms), for {RunTime.TotalSeconds} s; each row a fresh process");
        Console.WriteLine();
        Console.WriteLine("| process | peak resident (MiB) | managed heap at the end (MiB) | iterations |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var mode in new[] { "idle", "loop", "perfkit" })
        {
            using var child = Process.Start(Self.ChildStartInfo(["--resident-users-child", mode])) ?? throw new InvalidOperationException("The child did not start.");
            var line = child.StandardOutput.ReadToEnd().Trim();
            child.WaitForExit();
            if (child.ExitCode != 0)
            {
                Console.Error.WriteLine($"{mode}: exit code {child.ExitCode}: {line}");
                return 1;
            }

            Console.WriteLine(line);
        }

        return 0;
    }

    public static async Task<int> RunChildAsync(string mode)
    {
        long iterations = mode switch
        {
            "idle" => 0,
            "loop" => await HandWrittenAsync().ConfigureAwait(false),
            "perfkit" => (await LoadTest.RunAsync("resident", static _ => new ValueTask(Task.Delay(Pause)), new ClosedModel(Users) { Duration = RunTime }).ConfigureAwait(false)).Iterations,
            _ => throw new ArgumentException($"Unknown mode {mode}.", nameof(mode)),
        };
        var heap = GC.GetGCMemoryInfo().HeapSizeBytes;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {mode} | {PeakResident() / 1048576.0:0.0} | {heap / 1048576.0:0.0} | {iterations:N0} |"));
        return 0;
    }

    private static async Task<long> HandWrittenAsync()
    {
        var histograms = Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new LatencyHistogram()).ToArray();
        var deadline = TimeProvider.System.GetTimestamp() + (long)(RunTime.TotalSeconds * TimeProvider.System.TimestampFrequency);
        long count = 0;
        var users = Enumerable.Range(0, Users).Select(u => Task.Run(async () =>
        {
            var histogram = histograms[u % histograms.Length];
            while (TimeProvider.System.GetTimestamp() < deadline)
            {
                var started = TimeProvider.System.GetTimestamp();
                await Task.Delay(Pause).ConfigureAwait(false);
                lock (histogram)
                {
                    histogram.Record(TimeProvider.System.GetElapsedTime(started));
                }

                Interlocked.Increment(ref count);
            }
        })).ToArray();
        await Task.WhenAll(users).ConfigureAwait(false);
        return count;
    }

    private static long PeakResident()
    {
        if (File.Exists("/proc/self/status"))
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }

        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64;
    }
}
