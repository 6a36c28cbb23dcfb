using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PerfKit.Caching;
using PerfKit.Testing;
using PerfKit.Testing.Reports;

namespace PerfKit.Showcase;

/// <summary>
/// The report's API-latency claim, measured here: an endpoint whose every call waits on a 40 ms "database", and the
/// same endpoint behind PerfKit.Caching, loaded by PerfKit.Testing's runner (<c>AddPerfKitTesting</c>) in an open
/// model, then stress-searched for its knee; the readiness report is written as Markdown, JSON, JUnit XML and HTML.
/// Every figure printed comes from the runs.
/// </summary>
internal static class ReadinessStory
{
    private static readonly TimeSpan Database = TimeSpan.FromMilliseconds(40);

    public static async Task<int> RunAsync(string reportDirectory)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders().AddSimpleConsole(o => o.SingleLine = true).AddFilter("Microsoft", LogLevel.Warning);
        builder.Services.AddPerfKitCaching(o => o.DefaultEntryOptions = new CacheEntryOptions { Duration = TimeSpan.FromMinutes(5) });
        builder.Services.AddPerfKitTesting(o => o.ReportDirectory = reportDirectory);
        await using var app = builder.Build();
        app.MapGet("/reports/{id:int}", async (int id, CancellationToken ct) => Results.Text(await LoadReportAsync(id, ct)));
        app.MapGet("/cached/reports/{id:int}", async (int id, IPerfKitCache cache, CancellationToken ct) =>
            Results.Text(await cache.GetOrCreateAsync(string.Create(CultureInfo.InvariantCulture, $"report:{id}"), id, static (_, id, ct) => new ValueTask<string>(LoadReportAsync(id, ct)), cancellationToken: ct)));
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        using var client = new HttpClient { BaseAddress = address };
        var runner = app.Services.GetRequiredService<ILoadTestRunner>();

        // 100 report ids, requested round-robin: every id is hot after its first call.
        Func<ScenarioContext, ValueTask> Reports(string path) => HttpScenario.Send(client, () => new HttpRequestMessage(HttpMethod.Get, new Uri(string.Create(CultureInfo.InvariantCulture, $"{path}/{Random.Shared.Next(100)}"), UriKind.Relative)));
        var model = new OpenModel(200, TimeSpan.FromSeconds(5)) { WarmUp = TimeSpan.FromSeconds(1), MaxSchedulerLag = TimeSpan.FromMilliseconds(100), SpinWindow = TimeSpan.FromMilliseconds(1.5) };
        var uncached = await runner.RunAsync("GET /reports (database each call)", Reports("/reports"), model);
        var cached = await runner.RunAsync("GET /cached/reports (PerfKit.Caching)", Reports("/cached/reports"), model);
        var stress = await runner.FindKneeAsync("GET /cached/reports", Reports("/cached/reports"),
            new StressOptions(startRate: 250, sloLatency: TimeSpan.FromMilliseconds(200)) { StepDuration = TimeSpan.FromSeconds(2), MaxRate = 16_000, Refinements = 1 });

        var speedUp = uncached.Latency.Percentile(95) / cached.Latency.Percentile(95);
        var report = new ReadinessReport("PerfKit showcase: report API")
            .CheckLatency(cached, 95, TimeSpan.FromMilliseconds(200))
            .CheckErrorRate(cached, 0.001)
            .CheckGeneratorValid(cached)
            .Check("caching cuts p95 at least 5×", speedUp >= 5, string.Create(CultureInfo.InvariantCulture, $"p95 {uncached.Latency.Percentile(95).TotalMilliseconds:0.#} ms → {cached.Latency.Percentile(95).TotalMilliseconds:0.###} ms ({speedUp:0}×)"))
            .CheckErrorRate(uncached, 0.001)
            .CheckKnee(stress, 500);
        var files = await runner.WriteReportAsync(report);

        Console.WriteLine();
        Console.WriteLine(uncached);
        Console.WriteLine(cached);
        Console.WriteLine(stress);
        Console.WriteLine(report.ToMarkdown().Split("\n\nLoad run", 2)[0]);
        Console.WriteLine("Reports: " + string.Join(", ", files));
        await app.StopAsync();
        return report.Passed ? 0 : 1;
    }

    private static async Task<string> LoadReportAsync(int id, CancellationToken cancellationToken)
    {
        await Task.Delay(Database, cancellationToken);
        return string.Create(CultureInfo.InvariantCulture, $"report {id}: {new string('x', 512)}");
    }
}
