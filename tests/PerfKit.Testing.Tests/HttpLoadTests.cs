using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PerfKit.Testing.Load;

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
    public async Task HelloEndpoint_MeetsItsLatencySlo()
    {
        var client = _client!;

        var result = await LoadTest.RunAsync("GET /hello", async context =>
        {
            using var response = await client.GetAsync("/hello", context.CancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                context.Fail($"status {(int)response.StatusCode}");
            }
        }, new OpenModel(ratePerSecond: 100, TimeSpan.FromSeconds(2)) { MaxSchedulerLag = TimeSpan.FromSeconds(1) }, cancellationToken: TestContext.Current.CancellationToken);

        TestContext.Current.TestOutputHelper?.WriteLine(result.ToString());
        result.Iterations.Should().Be(200);
        result.Should().HaveP95Below(TimeSpan.FromSeconds(2)).And.HaveErrorRateBelow(0.01);
    }

    [Fact]
    public async Task FailedResponses_AreCountedByStatus()
    {
        var client = _client!;

        var result = await LoadTest.RunAsync("GET /flaky", async context =>
        {
            using var response = await client.GetAsync($"/flaky?n={context.Iteration}", context.CancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                context.Fail($"status {(int)response.StatusCode}");
            }
        }, new ClosedModel(virtualUsers: 4) { Iterations = 100 }, cancellationToken: TestContext.Current.CancellationToken);

        result.FailuresByReason.Should().ContainKey("status 503").WhoseValue.Should().Be(10);
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
