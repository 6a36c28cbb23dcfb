using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PerfKit.TestUtilities;
using PerfKit.Testing;

namespace PerfKit.Benchmarks.Testing;

/// <summary>
/// HTTP load against a Kestrel hello endpoint on 127.0.0.1, three ways in one process: PerfKit.Testing (closed model,
/// 64 users, <see cref="HttpScenario.Get"/>), a hand-written loop of 64 HttpClient tasks doing the same work, and
/// <c>wrk</c> (64 connections, 2 threads). Not a BenchmarkDotNet benchmark: each side runs for a slice of seconds.
/// Like the regression guard, the verdict is on <b>pairs</b>: PerfKit and its peer run back to back (the order
/// alternating from pair to pair), each pair gives one ratio, and the median of the pairs' ratios is compared with
/// the target (≥ 0.95× the loop, ≥ 0.6× wrk); a pair's two halves see nearly the same machine, so a neighbour's burst
/// moves one ratio, not the median. <c>--min-vs-loop</c>/<c>--min-vs-wrk</c> override the enforced limits;
/// <c>--runs N</c> runs N fresh processes and decides on the median of their medians; <c>--require-wrk</c> fails
/// when wrk is missing instead of skipping its check (CI).
/// <c>PERFKIT_HTTP_SLOWDOWN=F</c> (self-test only) adds, to every PerfKit iteration, busy work of F times the CPU
/// one request of the hand-written loop costs on this machine (measured during the warm-up), i.e. a calibrated
/// regression of PerfKit's per-request cost.
/// </summary>
internal static partial class HttpLoadComparison
{
    private const int Connections = 64;

    private static readonly string[] ValueOptions = ["--runs", "--pairs", "--seconds", "--wrk-pairs", "--wrk-seconds", "--min-vs-loop", "--min-vs-wrk"];
    private static readonly string[] Flags = ["--require-wrk"];

    public static async Task<int> RunAsync(string[] args)
    {
        // Fails closed on its own command line: an unknown option (a typo of --require-wrk would drop the wrk check), a
        // number that does not parse, a limit that is not a finite number, or fewer than one run or pair.
        if (Validate(args) is { } problem)
        {
            Console.WriteLine("FAILED: " + problem);
            return 2;
        }

        var runs = CommandLine.Option(args, "--runs") is { } runsText ? int.Parse(runsText, CultureInfo.InvariantCulture) : 1;
        return runs > 1 ? await RunProcessesAsync(args, runs) : await RunOnceAsync(args);
    }

    private static string? Validate(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (Flags.Contains(args[i]))
            {
                continue;
            }

            if (!ValueOptions.Contains(args[i]))
            {
                return $"unknown option '{args[i]}' (options: {string.Join(", ", ValueOptions.Concat(Flags))})";
            }

            if (i + 1 >= args.Length || !double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            {
                return $"{args[i]} needs a finite number";
            }

            if (args[i] is "--runs" or "--pairs" && (value < 1 || value != Math.Floor(value)))
            {
                return $"{args[i]} must be a whole number of at least 1, not {args[i + 1]}";
            }

            if (args[i] is "--wrk-pairs" && (value < 0 || value != Math.Floor(value)))
            {
                return $"--wrk-pairs must be a whole number of at least 0, not {args[i + 1]}";
            }

            if (args[i] is "--seconds" or "--wrk-seconds" or "--min-vs-loop" or "--min-vs-wrk" && value <= 0)
            {
                return $"{args[i]} must be above 0, not {args[i + 1]}";
            }

            i++;
        }

        return null;
    }

    /// <summary>
    /// <c>--runs N</c>: N runs, each in a fresh process (JIT, thread pool and heap differ from process to process, and a
    /// ratio moves more between processes than between the pairs of one), the verdict on the median of the runs'
    /// medians, as the regression guard decides.
    /// </summary>
    private static async Task<int> RunProcessesAsync(string[] args, int runs)
    {
        var childArgs = args.ToList();
        var at = childArgs.IndexOf("--runs");
        childArgs.RemoveRange(at, 2);
        var (minVsLoop, minVsWrk) = (Number(args, "--min-vs-loop", DefaultMinVsLoop), Number(args, "--min-vs-wrk", DefaultMinVsWrk));
        var loop = new List<double>();
        var wrk = new List<double>();
        for (var run = 1; run <= runs; run++)
        {
            Console.WriteLine($"--- run {run}/{runs} (a fresh process) ---");
            using var child = Process.Start(Self.ChildStartInfo(childArgs.Prepend("--http"))) ?? throw new InvalidOperationException("The child did not start.");
            var output = await child.StandardOutput.ReadToEndAsync();
            await child.WaitForExitAsync();
            Console.Write(output);
            if (child.ExitCode is not (0 or 1) || LoopRatioLine().Match(output) is not { Success: true } l)
            {
                Console.WriteLine($"FAILED: run {run} exited {child.ExitCode} without a ratio (a run that breaks fails the comparison)");
                return 2;
            }

            loop.Add(double.Parse(l.Groups[1].Value, CultureInfo.InvariantCulture));
            if (WrkRatioLine().Match(output) is { Success: true } w)
            {
                wrk.Add(double.Parse(w.Groups[1].Value, CultureInfo.InvariantCulture));
            }
        }

        var vsLoop = Self.Median(loop);
        var vsWrk = Self.Median(wrk);
        var loopFailed = !(vsLoop >= minVsLoop);
        var wrkFailed = wrk.Count > 0 && !(vsWrk >= minVsWrk);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Verdict on the median of {runs} runs (each the median of its pairs):"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PerfKit ÷ hand-written loop: runs {string.Join(", ", loop.Select(v => v.ToString("0.000", CultureInfo.InvariantCulture)))} → median {vsLoop:0.000} (limit ≥ {minVsLoop}: {(loopFailed ? "FAIL" : "pass")})"));
        Console.WriteLine(wrk.Count == 0 ? "no wrk ratio (wrk not installed, or --wrk-pairs 0)" : string.Create(CultureInfo.InvariantCulture, $"PerfKit ÷ wrk: runs {string.Join(", ", wrk.Select(v => v.ToString("0.000", CultureInfo.InvariantCulture)))} → median {vsWrk:0.000} (limit ≥ {minVsWrk}: {(wrkFailed ? "FAIL" : "pass")})"));
        return Verdict(loopFailed, wrkFailed, wrkMissing: wrk.Count == 0 && args.Contains("--require-wrk"));
    }

    private static double Number(string[] args, string name, double fallback) => CommandLine.Option(args, name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    /// <summary>Prints what failed, if anything; the exit code (1 when a limit failed).</summary>
    private static int Verdict(bool loopFailed, bool wrkFailed, bool wrkMissing)
    {
        if (!(loopFailed || wrkFailed || wrkMissing))
        {
            return 0;
        }

        Console.WriteLine("FAILED: " + string.Join("; ", new[] { loopFailed ? "PerfKit ÷ hand-written loop below its limit" : null, wrkFailed ? "PerfKit ÷ wrk below its limit" : null, wrkMissing ? "no wrk ratio, and --require-wrk" : null }.OfType<string>()));
        return 1;
    }

    private const double DefaultMinVsLoop = 0.95;
    private const double DefaultMinVsWrk = 0.6;

    private static async Task<int> RunOnceAsync(string[] args)
    {
        try
        {
            return await MeasureAsync(args);
        }
        catch (InvalidOperationException e)
        {
            // A side that broke (wrk failed requests or printed no rate, PerfKit's run had failures): no ratio, a failure.
            Console.WriteLine("FAILED: " + e.Message);
            return 2;
        }
    }

    private static async Task<int> MeasureAsync(string[] args)
    {
        var slice = TimeSpan.FromSeconds(Number(args, "--seconds", 1));
        var pairs = (int)Number(args, "--pairs", 16); // even: as many pairs start with PerfKit as with the loop
        var wrkPairs = (int)Number(args, "--wrk-pairs", 4);
        var wrkSlice = TimeSpan.FromSeconds(Math.Max(1, Math.Round(Number(args, "--wrk-seconds", 2))));
        var minVsLoop = Number(args, "--min-vs-loop", DefaultMinVsLoop);
        var minVsWrk = Number(args, "--min-vs-wrk", DefaultMinVsWrk);
        var slowdown = Environment.GetEnvironmentVariable("PERFKIT_HTTP_SLOWDOWN") is { Length: > 0 } sd ? double.Parse(sd, CultureInfo.InvariantCulture) : 0;
        var warm = TimeSpan.FromMilliseconds(250);
        if (pairs < 1 || slice <= TimeSpan.Zero || wrkPairs < 0)
        {
            Console.Error.WriteLine("--pairs must be at least 1, --seconds above 0 and --wrk-pairs not negative");
            return 2;
        }

        if (wrkPairs == 0 && args.Contains("--require-wrk"))
        {
            Console.Error.WriteLine("--require-wrk with --wrk-pairs 0: nothing would compare PerfKit with wrk");
            return 2;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var app = builder.Build();
        app.MapGet("/hello", () => "Hello, World!");
        await app.StartAsync();
        var url = new Uri(new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()), "/hello");
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Connections, UseProxy = false });
        var wrk = Executables.FindOnPath("wrk");
        if (wrk is null && args.Contains("--require-wrk"))
        {
            Console.WriteLine("FAILED: --require-wrk, and wrk is not on PATH (Debian: apt-get install wrk)");
            return 2;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"HTTP load on {url}: {Connections} concurrent clients, {Environment.ProcessorCount} cores; {pairs} pairs of {slice.TotalSeconds:0.##} s slices (PerfKit, hand-written loop; each slice after a {warm.TotalMilliseconds:0} ms ramp), {wrkPairs} pairs of {wrkSlice.TotalSeconds:0} s (PerfKit, wrk); wrk: {wrk ?? "not installed"}"));

        // Process warm-up, not recorded (JIT of Kestrel, HttpClient and both clients; the 64 connections opened):
        // otherwise whichever side runs first pays for it. The loop's warm-up throughput calibrates the self-test's
        // injected slowdown: on a CPU-bound machine one request costs cores ÷ throughput of CPU, server included.
        await PerfKitAsync(client, url, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), spin: 0);
        var calibration = await LoopAsync(client, url, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        var spin = 0L;
        if (slowdown > 0)
        {
            var cpuPerRequest = Environment.ProcessorCount / calibration;
            spin = (long)(slowdown * cpuPerRequest * Stopwatch.Frequency);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SELF-TEST: PERFKIT_HTTP_SLOWDOWN={slowdown}: every PerfKit iteration spins {spin * 1e6 / Stopwatch.Frequency:0.00} µs ({slowdown:P0} of the {cpuPerRequest * 1e6:0.0} µs of CPU one request of the loop costs at its warm-up {calibration:N0}/s)"));
        }

        var loopRatios = new List<double>();
        Console.WriteLine();
        Console.WriteLine("| pair | first | PerfKit req/s | loop req/s | PerfKit ÷ loop |");
        Console.WriteLine("|---:|---|---:|---:|---:|");
        for (var i = 0; i < pairs; i++)
        {
            var (perfKit, loop) = await PairAsync(i, () => PerfKitAsync(client, url, warm, slice, spin), () => LoopAsync(client, url, warm, slice));

            loopRatios.Add(perfKit / loop);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {i + 1} | {(i % 2 == 0 ? "PerfKit" : "loop")} | {perfKit:N0} | {loop:N0} | {perfKit / loop:0.000} |"));
        }

        var wrkRatios = new List<double>();
        if (wrk is not null && wrkPairs > 0)
        {
            Console.WriteLine();
            Console.WriteLine("| pair | first | PerfKit req/s | wrk req/s | PerfKit ÷ wrk |");
            Console.WriteLine("|---:|---|---:|---:|---:|");
            await WrkAsync(wrk, url, TimeSpan.FromSeconds(1)); // wrk's own warm-up: its first run opens its connections cold
            for (var i = 0; i < wrkPairs; i++)
            {
                var (perfKit, peer) = await PairAsync(i, () => PerfKitAsync(client, url, warm, wrkSlice, spin), () => WrkAsync(wrk, url, wrkSlice));

                wrkRatios.Add(perfKit / peer);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {i + 1} | {(i % 2 == 0 ? "PerfKit" : "wrk")} | {perfKit:N0} | {peer:N0} | {perfKit / peer:0.000} |"));
            }
        }

        await app.StopAsync();
        var vsLoop = Self.Median(loopRatios);
        var vsWrk = Self.Median(wrkRatios);
        var loopFailed = !(vsLoop >= minVsLoop);
        var wrkFailed = wrk is not null && wrkPairs > 0 && !(vsWrk >= minVsWrk);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PerfKit ÷ hand-written loop = {vsLoop:0.000} (median of {loopRatios.Count} pairs; {Spread(loopRatios)}; limit ≥ {minVsLoop}: {(loopFailed ? "FAIL" : "pass")})"));
        Console.WriteLine(wrk is null
            ? "wrk not installed: no wrk ratio (Debian: apt-get install wrk)"
            : wrkPairs == 0 ? "wrk pairs: 0 (--wrk-pairs): no wrk ratio" : string.Create(CultureInfo.InvariantCulture, $"PerfKit ÷ wrk = {vsWrk:0.000} (median of {wrkRatios.Count} pairs; {Spread(wrkRatios)}; limit ≥ {minVsWrk}: {(wrkFailed ? "FAIL" : "pass")})"));
        return Verdict(loopFailed, wrkFailed, wrkMissing: false);
    }

    /// <summary>
    /// One pair: PerfKit's slice and its peer's, back to back, PerfKit first in even pairs and second in odd ones, so
    /// neither side always runs on the machine the other just warmed or disturbed.
    /// </summary>
    private static async Task<(double PerfKit, double Peer)> PairAsync(int pair, Func<Task<double>> perfKit, Func<Task<double>> peer)
    {
        if (pair % 2 == 0)
        {
            var p = await perfKit();
            return (p, await peer());
        }

        var q = await peer();
        return (await perfKit(), q);
    }

    private static string Spread(List<double> values)
    {
        var sorted = values.Order().ToList();
        return string.Create(CultureInfo.InvariantCulture, $"pairs {sorted[0]:0.000}–{sorted[^1]:0.000}");
    }

    /// <summary>64 tasks each sending requests back to back for <paramref name="warm"/> + <paramref name="duration"/>; only requests begun after the ramp count, over the time from the ramp's end until the last one finished (what PerfKit's closed model counts).</summary>
    private static async Task<double> LoopAsync(HttpClient client, Uri url, TimeSpan warm, TimeSpan duration)
    {
        var start = Stopwatch.GetTimestamp();
        var measuredFrom = start + (long)(warm.TotalSeconds * Stopwatch.Frequency);
        var until = measuredFrom + (long)(duration.TotalSeconds * Stopwatch.Frequency);

        async Task<long> Worker()
        {
            long count = 0;
            while (true)
            {
                var began = Stopwatch.GetTimestamp();
                if (began >= until)
                {
                    return count;
                }

                using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
                response.EnsureSuccessStatusCode();
                using var body = await response.Content.ReadAsStreamAsync();
                await body.CopyToAsync(Stream.Null);
                if (began >= measuredFrom)
                {
                    count++;
                }
            }
        }

        var counts = await Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => Task.Run(Worker)));
        return counts.Sum() / Stopwatch.GetElapsedTime(measuredFrom).TotalSeconds;
    }

    private static async Task<double> PerfKitAsync(HttpClient client, Uri url, TimeSpan warm, TimeSpan duration, long spin)
    {
        var get = HttpScenario.Get(client, url.AbsoluteUri);
        var scenario = spin == 0 ? get : context =>
        {
            var end = Stopwatch.GetTimestamp() + spin;
            while (Stopwatch.GetTimestamp() < end)
            {
            }

            return get(context);
        };
        var result = await LoadTest.RunAsync("GET /hello", scenario, new ClosedModel(Connections) { Duration = duration, WarmUp = warm });
        if (result.Failures > 0)
        {
            throw new InvalidOperationException("PerfKit run had failures: " + result);
        }

        return result.Throughput;
    }

    private static async Task<double> WrkAsync(string wrk, Uri url, TimeSpan duration)
    {
        var start = new ProcessStartInfo(wrk) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-t2", $"-c{Connections}", string.Create(CultureInfo.InvariantCulture, $"-d{Math.Max(1, (int)Math.Round(duration.TotalSeconds))}s"), url.AbsoluteUri })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var match = RequestsPerSecond().Match(output);
        if (process.ExitCode != 0 || !match.Success)
        {
            throw new InvalidOperationException($"wrk exited {process.ExitCode} without a Requests/sec line: {output} {await error}");
        }

        // A peer that failed requests is no peer: wrk's rate counts errors and non-2xx answers too, and a wrk that could
        // not connect reports a rate near zero, which would make any PerfKit figure pass.
        if (WrkSocketErrors().Match(output) is { Success: true } || WrkNon2xx().Match(output) is { Success: true })
        {
            throw new InvalidOperationException($"wrk had failed requests against a hello endpoint, so its rate is not a peer's: {output}");
        }

        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^PerfKit ÷ hand-written loop = ([0-9.]+) ", RegexOptions.Multiline)]
    private static partial Regex LoopRatioLine();

    [GeneratedRegex(@"^PerfKit ÷ wrk = ([0-9.]+) ", RegexOptions.Multiline)]
    private static partial Regex WrkRatioLine();

    [GeneratedRegex(@"^\s*Socket errors:", RegexOptions.Multiline)]
    private static partial Regex WrkSocketErrors();

    [GeneratedRegex(@"^\s*Non-2xx or 3xx responses:", RegexOptions.Multiline)]
    private static partial Regex WrkNon2xx();

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSecond();
}
