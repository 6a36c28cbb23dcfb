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
/// HTTP load against a Kestrel hello endpoint on 127.0.0.1, three ways in the same run: PerfKit.Testing (closed
/// model, 64 users, <see cref="HttpScenario.Get"/>), a hand-written loop of 64 HttpClient tasks doing the same work,
/// and <c>wrk</c> (64 connections, 2 threads). Not a BenchmarkDotNet benchmark: each contender is a multi-second run,
/// interleaved over several rounds in a rotating order; the medians are compared. Targets: PerfKit within 5% of the
/// loop (the harness costs nothing) and at least 0.6× wrk. <c>--min-vs-loop</c>/<c>--min-vs-wrk</c> set floors that
/// fail the run (CI uses loose ones, to catch a harness regression without failing on the machine's noise).
/// </summary>
internal static partial class HttpLoadComparison
{
    private const int Connections = 64;

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = CommandLine.Option(args, "--seconds") is { } s ? double.Parse(s, CultureInfo.InvariantCulture) : 5;
        var rounds = CommandLine.Option(args, "--rounds") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 3;
        var minVsLoop = CommandLine.Option(args, "--min-vs-loop") is { } ml ? double.Parse(ml, CultureInfo.InvariantCulture) : 0;
        var minVsWrk = CommandLine.Option(args, "--min-vs-wrk") is { } mw ? double.Parse(mw, CultureInfo.InvariantCulture) : 0;
        var duration = TimeSpan.FromSeconds(seconds);

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var app = builder.Build();
        app.MapGet("/hello", () => "Hello, World!");
        await app.StartAsync();
        var url = new Uri(new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()), "/hello");
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Connections, UseProxy = false });
        var wrk = Executables.FindOnPath("wrk");
        Console.WriteLine($"HTTP load on {url}: {Connections} concurrent clients, {rounds} rounds of {seconds:0.#} s each (+1 s warm-up); wrk: {wrk ?? "not installed"}");

        var results = new Dictionary<string, List<double>> { ["PerfKit.Testing"] = [], ["hand-written loop"] = [], ["wrk"] = [] };
        var contenders = new List<(string Name, Func<Task<double>> Run)>
        {
            ("hand-written loop", () => LoopAsync(client, url, duration)),
            ("PerfKit.Testing", () => PerfKitAsync(client, url, duration)),
        };
        if (wrk is not null)
        {
            contenders.Add(("wrk", () => WrkAsync(wrk, url, duration)));
        }

        // Process warm-up (JIT of Kestrel, HttpClient and both clients; connections opened), not recorded: otherwise
        // whichever client runs first pays for it.
        await LoopAsync(client, url, TimeSpan.FromSeconds(1));
        await PerfKitAsync(client, url, TimeSpan.FromSeconds(1));

        for (var round = 0; round < rounds; round++)
        {
            // The order rotates, so no contender always follows the same one.
            for (var i = 0; i < contenders.Count; i++)
            {
                var (name, run) = contenders[(round + i) % contenders.Count];
                results[name].Add(await run());
            }

            Console.WriteLine($"round {round + 1}: " + string.Join(", ", results.Where(kv => kv.Value.Count > round).Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value[round]:N0}/s"))));
        }

        static double Median(List<double> values)
        {
            var sorted = values.Order().ToList();
            return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
        }

        var perfKit = Median(results["PerfKit.Testing"]);
        Console.WriteLine();
        Console.WriteLine("| client | median req/s | best req/s | rounds (req/s) | PerfKit ÷ this (medians) |");
        Console.WriteLine("|---|---:|---:|---|---:|");
        foreach (var (name, values) in results.Where(kv => kv.Value.Count > 0))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {Median(values):N0} | {values.Max():N0} | {string.Join(", ", values.Select(v => v.ToString("N0", CultureInfo.InvariantCulture)))} | {perfKit / Median(values):0.00} |"));
        }

        // Medians: on a shared 2-core machine one client's runs spread by ±20% from round to round, so a single or a
        // best round says more about the neighbours than about the client.
        var vsLoop = perfKit / Median(results["hand-written loop"]);
        var vsWrk = perfKit / Median(results["wrk"]);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PerfKit ÷ hand-written loop = {vsLoop:0.000} (target ≥ 0.95: {(vsLoop >= 0.95 ? "met" : "MISSED")})"));
        Console.WriteLine(double.IsNaN(vsWrk) ? "wrk not installed: no wrk ratio (Debian: apt-get install wrk)" : string.Create(CultureInfo.InvariantCulture, $"PerfKit ÷ wrk = {vsWrk:0.000} (target ≥ 0.6: {(vsWrk >= 0.6 ? "met" : "MISSED")})"));
        await app.StopAsync();
        var failed = vsLoop < minVsLoop || (minVsWrk > 0 && !(vsWrk >= minVsWrk));
        if (failed)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FAILED: below the regression floor (--min-vs-loop {minVsLoop}, --min-vs-wrk {minVsWrk})"));
        }

        return failed ? 1 : 0;
    }

    private static async Task<double> LoopAsync(HttpClient client, Uri url, TimeSpan duration)
    {
        async Task<long> Worker(long until)
        {
            long count = 0;
            while (Stopwatch.GetTimestamp() < until)
            {
                using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
                response.EnsureSuccessStatusCode();
                using var body = await response.Content.ReadAsStreamAsync();
                await body.CopyToAsync(Stream.Null);
                count++;
            }

            return count;
        }

        await Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => Task.Run(() => Worker(Stopwatch.GetTimestamp() + Stopwatch.Frequency))));
        var start = Stopwatch.GetTimestamp();
        var counts = await Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => Task.Run(() => Worker(start + (long)(duration.TotalSeconds * Stopwatch.Frequency)))));
        return counts.Sum() / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static async Task<double> PerfKitAsync(HttpClient client, Uri url, TimeSpan duration)
    {
        var result = await LoadTest.RunAsync("GET /hello", HttpScenario.Get(client, url.AbsoluteUri), new ClosedModel(Connections) { Duration = duration, WarmUp = TimeSpan.FromSeconds(1) });
        if (result.Failures > 0)
        {
            throw new InvalidOperationException("PerfKit run had failures: " + result);
        }

        return result.Throughput;
    }

    private static async Task<double> WrkAsync(string wrk, Uri url, TimeSpan duration)
    {
        async Task<string> Run(TimeSpan d)
        {
            var start = new ProcessStartInfo(wrk) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { "-t2", $"-c{Connections}", string.Create(CultureInfo.InvariantCulture, $"-d{Math.Max(1, (int)Math.Round(d.TotalSeconds))}s"), url.AbsoluteUri })
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            return output;
        }

        await Run(TimeSpan.FromSeconds(1));
        var text = await Run(duration);
        var match = RequestsPerSecond().Match(text);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : throw new InvalidOperationException("wrk printed no Requests/sec: " + text);
    }

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSecond();
}
