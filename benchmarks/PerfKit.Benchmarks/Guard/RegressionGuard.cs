using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using Perfolizer.Horology;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace PerfKit.Benchmarks.Guard;

/// <summary>
/// The benchmark regression guard. It runs every benchmark class named in the baseline file with a short in-process
/// job, computes each PerfKit/peer ratio from the same run, and fails when a ratio is worse than its committed
/// baseline by more than the tolerance, when a benchmark allocates more than allowed, or when an absolute ceiling
/// (for figures that have no peer) is passed. Ratios, not times: shared machines are noisy, but both sides of a
/// ratio suffer the same noise.
/// </summary>
internal static class RegressionGuard
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    public static int Run(string[] args)
    {
        var baselinePath = CommandLine.Option(args, "--baseline") ?? FindBaseline();
        var baseline = JsonSerializer.Deserialize<GuardBaseline>(File.ReadAllText(baselinePath), Json)
            ?? throw new InvalidDataException($"{baselinePath} is empty.");
        var tolerance = CommandLine.Option(args, "--tolerance") is { } t ? double.Parse(t, CultureInfo.InvariantCulture) : baseline.Tolerance;
        var filter = CommandLine.Option(args, "--only");
        var update = args.Contains("--update");
        var output = CommandLine.Option(args, "--output");

        var checks = baseline.Checks.Where(c => filter is null || c.Benchmark.Contains(filter, StringComparison.OrdinalIgnoreCase)).ToList();
        var types = checks.SelectMany(c => new[] { c.Benchmark, c.Peer }).OfType<string>()
            .Select(name => name.Split('.')[0]).Distinct()
            .Select(name => typeof(RegressionGuard).Assembly.GetTypes().Single(type => type.Name == name))
            .ToArray();

        var job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(4)
            .WithIterationCount(12)
            .WithIterationTime(TimeInterval.FromMilliseconds(150))
            .WithId("guard");
        var config = DefaultConfig.Instance
            .AddJob(job.AsDefault())
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithArtifactsPath(Path.Combine(Path.GetDirectoryName(baselinePath)!, "..", "artifacts", "benchmarks"))
            .WithOptions(ConfigOptions.DisableLogFile);

        // One measurement of every class; --update takes the median of three; a failing ratio is measured again
        // (up to twice) and passes if any run is within the limit: noise does not repeat, a regression does.
        var runs = new List<Dictionary<string, Measured>> { Measure(types, config) };
        if (update)
        {
            runs.Add(Measure(types, config));
            runs.Add(Measure(types, config));
        }
        else
        {
            for (var retry = 0; retry < 2; retry++)
            {
                var failing = checks.Where(c => !Evaluate(c, runs, tolerance, update: false).Pass && IsRetryable(c, runs)).ToList();
                if (failing.Count == 0)
                {
                    break;
                }

                Console.WriteLine($"Guard: measuring again ({retry + 1}/2): {string.Join(", ", failing.Select(c => c.Benchmark))}");
                runs.Add(Measure([.. types.Where(t => failing.Any(c => c.Benchmark.StartsWith(t.Name + ".", StringComparison.Ordinal)))], config));
            }
        }

        var table = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Benchmark regression guard: tolerance {tolerance:P0} over each baseline ratio")
            .AppendLine()
            .AppendLine("| benchmark | peer | mean | peer mean | ratio | baseline | limit | design target | allocated | verdict |")
            .AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---|");
        var failures = 0;
        foreach (var check in checks)
        {
            var (verdict, row) = Evaluate(check, runs, tolerance, update);
            failures += verdict ? 0 : 1;
            table.AppendLine(row);
        }

        Console.WriteLine();
        Console.WriteLine(table.ToString());
        if (output is not null)
        {
            File.WriteAllText(output, table.ToString());
        }

        if (update)
        {
            File.WriteAllText(baselinePath, JsonSerializer.Serialize(baseline, Json) + "\n");
            Console.WriteLine($"Baseline ratios written to {baselinePath}.");
            return 0;
        }

        Console.WriteLine(failures == 0 ? "Guard: all checks passed." : $"Guard: {failures} check(s) FAILED.");
        return failures == 0 ? 0 : 1;
    }

    private static Dictionary<string, Measured> Measure(Type[] types, IConfig config)
    {
        var results = new Dictionary<string, Measured>();
        foreach (var summary in BenchmarkRunner.Run(types, config))
        {
            foreach (var report in summary.Reports.Where(r => r.ResultStatistics is not null))
            {
                var name = $"{report.BenchmarkCase.Descriptor.Type.Name}.{report.BenchmarkCase.Descriptor.WorkloadMethod.Name}";
                results[name] = new Measured(report.ResultStatistics!.Mean, report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase));
            }
        }

        return results;
    }

    private static bool IsRetryable(GuardCheck check, List<Dictionary<string, Measured>> runs) =>
        check.MaxAllocatedBytes is null || runs[0].TryGetValue(check.Benchmark, out var m) && (m.Allocated ?? 0) <= check.MaxAllocatedBytes;

    private static (bool Pass, string Row) Evaluate(GuardCheck check, List<Dictionary<string, Measured>> runs, double tolerance, bool update)
    {
        // Pairs of (mine, peer) from runs that measured both; the allocation figure comes from the first run (exact).
        var pairs = runs.Where(r => r.ContainsKey(check.Benchmark) && (check.Peer is null || r.ContainsKey(check.Peer)))
            .Select(r => (Mine: r[check.Benchmark], Peer: check.Peer is null ? (Measured?)null : r[check.Peer]))
            .ToList();
        if (pairs.Count == 0)
        {
            return (false, $"| {check.Benchmark} | {check.Peer ?? "—"} | — | — | — | — | — | — | — | FAIL: not measured |");
        }

        var ordered = pairs.OrderBy(p => p.Peer is { } peer ? p.Mine.MeanNs / peer.MeanNs : p.Mine.MeanNs).ToList();
        var (mine, chosenPeer) = update ? ordered[ordered.Count / 2] : ordered[0];
        var problems = new List<string>();
        string ratioText = "—", peerText = "—", limitText = "—", baselineText = "—", targetText = "—";
        if (chosenPeer is { } peer)
        {
            var ratio = mine.MeanNs / peer.MeanNs;
            peerText = Ns(peer.MeanNs);
            ratioText = ratio.ToString("0.00", CultureInfo.InvariantCulture) + (pairs.Count > 1 ? $" (best of {pairs.Count})" : "");
            if (update)
            {
                check.BaselineRatio = Math.Round(ratio, 3);
                ratioText = ratio.ToString("0.00", CultureInfo.InvariantCulture) + $" (median of {pairs.Count})";
            }

            if (check.BaselineRatio is { } b)
            {
                var limit = b * (1 + (check.Tolerance ?? tolerance));
                baselineText = b.ToString("0.00", CultureInfo.InvariantCulture);
                limitText = limit.ToString("0.00", CultureInfo.InvariantCulture);
                if (ratio > limit)
                {
                    problems.Add($"ratio {ratio:0.00} > limit {limitText}");
                }
            }

            if (check.TargetRatio is { } target)
            {
                targetText = $"≤ {target.ToString("0.00", CultureInfo.InvariantCulture)} ({(ratio <= target ? "met" : "missed")})";
            }
        }

        if (check.MaxMeanNanoseconds is { } ceiling)
        {
            limitText = limitText == "—" ? $"≤ {Ns(ceiling)}" : $"{limitText}; ≤ {Ns(ceiling)}";
            if (mine.MeanNs > ceiling)
            {
                problems.Add($"mean {Ns(mine.MeanNs)} > {Ns(ceiling)}");
            }
        }

        var allocated = pairs[0].Mine.Allocated;
        if (check.MaxAllocatedBytes is { } maxBytes && (allocated ?? 0) > maxBytes)
        {
            problems.Add($"allocates {allocated} B > {maxBytes} B");
        }

        var verdict = problems.Count == 0 ? "pass" : "FAIL: " + string.Join("; ", problems);
        return (problems.Count == 0, $"| {check.Benchmark} | {check.Peer ?? "—"} | {Ns(mine.MeanNs)} | {peerText} | {ratioText} | {baselineText} | {limitText} | {targetText} | {allocated?.ToString(CultureInfo.InvariantCulture) ?? "?"} B | {verdict} |");
    }

    private static string Ns(double ns) => ns switch
    {
        >= 1_000_000 => (ns / 1_000_000).ToString("0.00", CultureInfo.InvariantCulture) + " ms",
        >= 1_000 => (ns / 1_000).ToString("0.00", CultureInfo.InvariantCulture) + " µs",
        _ => ns.ToString("0.00", CultureInfo.InvariantCulture) + " ns",
    };

    private static string FindBaseline()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "benchmarks", "guard-baseline.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("benchmarks/guard-baseline.json was not found above " + AppContext.BaseDirectory + "; pass --baseline PATH.");
    }
}

/// <summary>One benchmark's figures from one run.</summary>
internal readonly record struct Measured(double MeanNs, long? Allocated);

/// <summary>The committed baseline: one entry per guarded benchmark.</summary>
internal sealed class GuardBaseline
{
    public string? Comment { get; set; }

    public double Tolerance { get; set; } = 0.35;

    public List<GuardCheck> Checks { get; set; } = [];
}

/// <summary>One guarded figure.</summary>
internal sealed class GuardCheck
{
    /// <summary><c>Class.Method</c> of the PerfKit benchmark.</summary>
    public string Benchmark { get; set; } = "";

    /// <summary><c>Class.Method</c> of the peer it is divided by, measured in the same run.</summary>
    public string? Peer { get; set; }

    /// <summary>The ratio measured when the baseline was last recorded (<c>--update</c>).</summary>
    public double? BaselineRatio { get; set; }

    /// <summary>The design target for the ratio, reported (met/missed) but not enforced: the baseline is.</summary>
    public double? TargetRatio { get; set; }

    /// <summary>This check's own tolerance, where its figure is noisier than the rest (say why in its note).</summary>
    public double? Tolerance { get; set; }

    /// <summary>Allocation ceiling per operation, enforced exactly.</summary>
    public long? MaxAllocatedBytes { get; set; }

    /// <summary>Absolute ceiling for figures without a peer, enforced.</summary>
    public double? MaxMeanNanoseconds { get; set; }

    /// <summary>Why this check exists.</summary>
    public string? Note { get; set; }
}
