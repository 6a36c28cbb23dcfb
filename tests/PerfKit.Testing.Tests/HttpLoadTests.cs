using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PerfKit.Testing.Reports;

namespace PerfKit.Testing.Tests;

/// <summary>
/// A load test as a user writes one: a real Kestrel server on 127.0.0.1, HttpClient, an open model, an SLO. The SLO
/// and the scheduler-lag bound are generous on purpose: this runs beside the other test projects on a shared 2-core
/// machine, and checks the plumbing; real SLOs belong in a run of their own (speed lives in benchmarks/).
/// </summary>
public sealed class HttpLoadTests : IAsyncLifetime
{
    private WebApplication? _app;
    private HttpClient? _client;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapGet("/hello", () => "hello");
        _app.MapGet("/flaky", (int n) => n % 10 == 0 ? Results.StatusCode(503) : Results.Ok());
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _client = new HttpClient { BaseAddress = new Uri(address) };
    }

    [Fact]
    public async Task RampingLoad_WithThresholdsThatAbort_AndAReadinessReport()
    {
        var client = _client!;
        var reports = Directory.CreateTempSubdirectory("perfkit-readme-");

        var model = new OpenModel([LoadStage.RampTo(200, TimeSpan.FromSeconds(2)), LoadStage.Hold(200, TimeSpan.FromSeconds(1))])
        {
            WarmUp = TimeSpan.FromSeconds(0.5),
            MaxSchedulerLag = TimeSpan.FromSeconds(1),
            AbortWhen = [LoadThreshold.PercentileAbove(99, TimeSpan.FromSeconds(2)), LoadThreshold.ErrorRateAbove(0.05)],
        };
        var result = await LoadTest.RunAsync("GET /hello ramp", HttpScenario.Get(client, "/hello"), model, cancellationToken: TestContext.Current.CancellationToken);

        var report = new ReadinessReport("hello service")
            .CheckLatency(result, 95, TimeSpan.FromSeconds(2))
            .CheckErrorRate(result, 0.01)
            .CheckGeneratorValid(result);
        await report.WriteAsync(reports.FullName, TestContext.Current.CancellationToken); // .md, .json, .junit.xml, .html

        result.Should().NotHaveBeenAborted();
        result.Iterations.Should().Be(400, "0→200/s over 2 s is 200 arrivals, then 200 more in the hold");
        report.Passed.Should().BeTrue(report.ToMarkdown());
        reports.Delete(recursive: true);
    }

    [Fact]
    public async Task StressSearch_FindsTheKnee()
    {
        var client = _client!;

        var stress = await StressTest.FindKneeAsync("GET /hello", HttpScenario.Get(client, "/hello"),
            new StressOptions(startRate: 50, sloLatency: TimeSpan.FromSeconds(1)) { StepDuration = TimeSpan.FromSeconds(1), MaxRate = 400, MaxSchedulerLag = TimeSpan.FromSeconds(1) },
            cancellationToken: TestContext.Current.CancellationToken);

        TestContext.Current.TestOutputHelper?.WriteLine(stress.ToString());
        stress.Steps.Should().NotBeEmpty().And.OnlyContain(step => step.Run.Iterations > 0);
        stress.Knee.Should().BeGreaterThanOrEqualTo(50, stress.ToString());
    }

    [Fact]
    public async Task FailedResponses_AreCountedByStatus()
    {
        var client = _client!;

        var n = -1;
        var result = await LoadTest.RunAsync("GET /flaky", HttpScenario.Send(client, () => new HttpRequestMessage(HttpMethod.Get, $"/flaky?n={Interlocked.Increment(ref n)}")),
            new ClosedModel(virtualUsers: 4) { Iterations = 100 }, cancellationToken: TestContext.Current.CancellationToken);

        result.FailuresByReason.Should().ContainKey("status 503").WhoseValue.Should().Be(10);
    }

    [Fact]
    public async Task ACustomCheck_FailsIterationsByItsReason()
    {
        var client = _client!;

        var result = await LoadTest.RunAsync("GET /hello checked", HttpScenario.Send(client, () => new HttpRequestMessage(HttpMethod.Get, "/hello"),
            response => response.Content.Headers.ContentType?.MediaType == "text/plain" ? "text/plain, JSON expected" : null),
            new ClosedModel(2) { Iterations = 20 }, cancellationToken: TestContext.Current.CancellationToken);

        result.FailuresByReason.Should().Equal(new Dictionary<string, long> { ["text/plain, JSON expected"] = 20 });
    }

    [Fact]
    public async Task ARefusedConnection_IsAFailedIterationByExceptionType_NotACrashedRun()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now
        using var client = new HttpClient();

        var result = await LoadTest.RunAsync("refused", HttpScenario.Get(client, $"http://127.0.0.1:{port}/"), new ClosedModel(1) { Iterations = 5 }, cancellationToken: TestContext.Current.CancellationToken);

        result.Iterations.Should().Be(5);
        result.FailuresByReason.Should().Equal(new Dictionary<string, long> { ["HttpRequestException"] = 5 });
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
