using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PerfKit.Benchmarks.Guard;

/// <summary>
/// The benchmark regression guard. Each benchmark class named in the baseline file is measured in a child process of
/// its own (<see cref="InterleavedRunner"/>: warm-up, then many short rounds in which every member runs one batch, in
/// rotating order), several times (<c>--runs</c>, default 3), the classes' order rotating between runs. A check's
/// ratio is the median over rounds of the per-round ratio PerfKit/peer; its verdict is on the median of the runs.
/// It fails when that ratio is above <c>baselineRatio</c> × (1 + tolerance), when a benchmark allocates more than
/// <c>maxAllocatedBytes</c> (exact), when a time passes its <c>maxMeanNanoseconds</c>, and at once when a benchmark
/// throws (the stampede check throws if the factory ran more than once): no run is retried.
/// </summary>
internal static class RegressionGuard
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        ReadCommentHandling = JsonCommentHandling.Skip,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
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
        var runCount = CommandLine.Option(args, "--runs") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : update ? 5 : 3;
        var childOptions = new[] { "--batch-ms", "--measure-ms", "--warmup-ms" }
            .Where(o => CommandLine.Option(args, o) is not null)
            .SelectMany(o => new[] { o, CommandLine.Option(args, o)! }).ToArray();

        var checks = baseline.Checks.Where(c => filter is null || c.Benchmark.Contains(filter, StringComparison.OrdinalIgnoreCase)).ToList();
        var groups = checks.SelectMany(c => new[] { c.Benchmark, c.Peer }).OfType<string>().Distinct()
            .GroupBy(name => name.Split('.')[0])
            .Select(g => (Class: g.Key, Members: g.Select(n => n.Split('.')[1]).ToArray()))
            .ToList();

        var slowdown = Environment.GetEnvironmentVariable(InterleavedRunner.SlowdownVariable);
        Console.WriteLine($"Benchmark regression guard: {groups.Count} classes, {runCount} runs, each class in its own process, members interleaved" +
            (string.IsNullOrEmpty(slowdown) ? "" : $"; SELF-TEST: {slowdown} does 1.5x its work"));
        var clock = Stopwatch.StartNew();
        var runs = new List<Dictionary<string, ChildResult>>();
        for (var run = 0; run < runCount; run++)
        {
            var results = new Dictionary<string, ChildResult>();
            for (var k = 0; k < groups.Count; k++)
            {
                var (className, members) = groups[(run + k) % groups.Count];
                var child = RunChild(className, members, childOptions);
                if (child.Error is not null)
                {
                    // A benchmark that throws fails the guard at once: no later run can forgive it.
                    Console.WriteLine($"Guard: FAILED in run {run + 1}: {child.Error}");
                    return 1;
                }

                foreach (var (member, figures) in child.Members)
                {
                    results[$"{className}.{member}"] = new ChildResult { Rounds = child.Rounds, Members = { [member] = figures } };
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  run {run + 1}: {className}: {child.Rounds} rounds ({clock.Elapsed.TotalSeconds:0} s)"));
            }

            runs.Add(results);
        }

        var table = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Benchmark regression guard: {runCount} runs; ratio = median over runs of the median per-round ratio; default tolerance {tolerance:P0} over each baseline ratio")
            .AppendLine()
            .AppendLine("| benchmark | peer | time (median) | peer time | ratio | runs' ratios | baseline | limit | design target | allocated | verdict |")
            .AppendLine("|---|---|---:|---:|---:|---|---:|---:|---|---:|---|");
        var failures = 0;
        var spread = new StringBuilder().AppendLine().AppendLine("Spread (each run's median time of the PerfKit side; per-round ratios of all runs: 10th-90th percentile):");
        foreach (var check in checks)
        {
            var (pass, row) = Evaluate(check, runs, tolerance, update);
            failures += pass ? 0 : 1;
            table.AppendLine(row);
            spread.AppendLine(Spread(check, runs));
        }

        table.Append(spread);

        Console.WriteLine();
        Console.WriteLine(table.ToString());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Guard took {clock.Elapsed.TotalSeconds:0} s."));
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

    /// <summary>One class measured in a fresh process: its state (pools, JIT, GC) is not what other classes left.</summary>
    private static ChildResult RunChild(string className, string[] members, string[] childOptions)
    {
        var start = Self.ChildStartInfo(new[] { "--guard-child", className, "--members", string.Join(',', members) }.Concat(childOptions));
        start.RedirectStandardError = true;

        // Tier-up without the 100 ms call-counting delay: the warm-up reaches final (tier-1, PGO) code sooner.
        start.Environment["DOTNET_TC_CallCountingDelayMs"] = "0";

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            return new ChildResult { Error = $"{className}: the measuring process did not finish within 3 minutes." };
        }

        var line = stdout.Result.Split('\n').LastOrDefault(l => l.StartsWith(InterleavedRunner.ResultPrefix, StringComparison.Ordinal));
        var result = line is null ? null : JsonSerializer.Deserialize<ChildResult>(line[InterleavedRunner.ResultPrefix.Length..]);
        return result is null
            ? new ChildResult { Error = $"{className}: the measuring process exited with {process.ExitCode} and no result: {stdout.Result} {stderr.Result}" }
            : process.ExitCode != 0 && result.Error is null ? new ChildResult { Error = $"{className}: exit code {process.ExitCode}" } : result;
    }

    private static (bool Pass, string Row) Evaluate(GuardCheck check, List<Dictionary<string, ChildResult>> runs, double tolerance, bool update)
    {
        MemberResult? Figures(Dictionary<string, ChildResult> run, string name) =>
            run.TryGetValue(name, out var c) ? c.Members[name.Split('.')[1]] : null;

        var mine = runs.Select(r => Figures(r, check.Benchmark)).OfType<MemberResult>().ToList();
        if (mine.Count == 0)
        {
            return (false, $"| {check.Benchmark} | {check.Peer ?? "—"} | — | — | — | — | — | — | — | — | FAIL: not measured |");
        }

        var problems = new List<string>();
        var targets = new List<string>();
        var time = Self.Median(mine.Select(m => Self.Median(m.Nanoseconds)));
        string ratioText = "—", runsText = "—", peerText = "—", limitText = "—", baselineText = "—";
        if (check.Peer is { } peerName)
        {
            var peers = runs.Select(r => Figures(r, peerName)).ToList();
            var runRatios = mine.Zip(peers, (m, p) => Self.Median(m.Nanoseconds.Zip(p!.Nanoseconds, (a, b) => a / b))).ToList();
            var ratio = Self.Median(runRatios);
            peerText = Ns(Self.Median(peers.Select(p => Self.Median(p!.Nanoseconds))));
            ratioText = ratio.ToString("0.000", CultureInfo.InvariantCulture);
            runsText = string.Join(", ", runRatios.Select(x => x.ToString("0.000", CultureInfo.InvariantCulture)));
            if (update)
            {
                check.BaselineRatio = Math.Round(ratio, 3);
            }

            if (check.BaselineRatio is { } b)
            {
                var limit = b * (1 + (check.Tolerance ?? tolerance));
                baselineText = b.ToString("0.000", CultureInfo.InvariantCulture);
                limitText = "≤ " + limit.ToString("0.000", CultureInfo.InvariantCulture);
                if (ratio > limit)
                {
                    problems.Add($"ratio {ratioText} > limit {limit:0.000}");
                }
            }

            if (check.TargetRatio is { } target)
            {
                targets.Add($"ratio ≤ {target.ToString("0.00", CultureInfo.InvariantCulture)} ({(ratio <= target ? "met" : "MISSED")})");
            }
        }

        if (check.MaxMeanNanoseconds is { } ceiling)
        {
            limitText = (limitText == "—" ? "" : limitText + "; ") + $"time ≤ {Ns(ceiling)}";
            if (time > ceiling)
            {
                problems.Add($"time {Ns(time)} > {Ns(ceiling)}");
            }
        }

        if (check.TargetMeanNanoseconds is { } targetNs)
        {
            targets.Add($"time ≤ {Ns(targetNs)} ({(time <= targetNs ? "met" : "MISSED")})");
        }

        // Allocation is exact: the largest figure of any run counts.
        var allocated = mine.Max(m => m.Allocated);
        if (check.MaxAllocatedBytes is { } maxBytes)
        {
            limitText = (limitText == "—" ? "" : limitText + "; ") + $"≤ {maxBytes} B";
            if (allocated > maxBytes)
            {
                problems.Add($"allocates {allocated} B > {maxBytes} B");
            }
        }

        if (check.TargetAllocatedBytes is { } targetBytes)
        {
            targets.Add($"≤ {targetBytes} B ({(allocated <= targetBytes ? "met" : "MISSED")})");
        }

        var verdict = problems.Count == 0 ? "pass" : "FAIL: " + string.Join("; ", problems);
        return (problems.Count == 0, $"| {check.Benchmark} | {check.Peer ?? "—"} | {Ns(time)} | {peerText} | {ratioText} | {runsText} | {baselineText} | {limitText} | {(targets.Count == 0 ? "—" : string.Join("; ", targets))} | {allocated.ToString(CultureInfo.InvariantCulture)} B | {verdict} |");
    }

    private static string Spread(GuardCheck check, List<Dictionary<string, ChildResult>> runs)
    {
        var mine = runs.Where(r => r.ContainsKey(check.Benchmark)).Select(r => r[check.Benchmark].Members[check.Benchmark.Split('.')[1]]).ToList();
        var text = $"- {check.Benchmark}{(check.Peer is null ? "" : " / " + check.Peer.Split('.')[1])}: times {string.Join(", ", mine.Select(m => Ns(Self.Median(m.Nanoseconds))))}";
        if (check.Peer is { } peerName && mine.Count > 0)
        {
            var ratios = runs.Where(r => r.ContainsKey(check.Benchmark) && r.ContainsKey(peerName))
                .SelectMany(r => r[check.Benchmark].Members[check.Benchmark.Split('.')[1]].Nanoseconds.Zip(r[peerName].Members[peerName.Split('.')[1]].Nanoseconds, (a, b) => a / b))
                .Order().ToArray();
            text += string.Create(CultureInfo.InvariantCulture, $"; rounds {ratios.Length}, per-round ratio p10 {ratios[ratios.Length / 10]:0.000}, p90 {ratios[ratios.Length * 9 / 10]:0.000}");
        }

        return text;
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

    /// <summary>The design target for the ratio, printed as met or MISSED; the limit (baseline × (1 + tolerance)) is enforced.</summary>
    public double? TargetRatio { get; set; }

    /// <summary>This check's own tolerance, where its figure is noisier than the rest (say why in its note).</summary>
    public double? Tolerance { get; set; }

    /// <summary>Allocation ceiling per operation, enforced exactly.</summary>
    public long? MaxAllocatedBytes { get; set; }

    /// <summary>Absolute ceiling on the time per operation (median), enforced: a little above the measured figure.</summary>
    public double? MaxMeanNanoseconds { get; set; }

    /// <summary>The design target for the time per operation, printed as met or MISSED.</summary>
    public double? TargetMeanNanoseconds { get; set; }

    /// <summary>The design target for the bytes per operation, printed as met or MISSED.</summary>
    public long? TargetAllocatedBytes { get; set; }

    /// <summary>Why this check exists.</summary>
    public string? Note { get; set; }
}
