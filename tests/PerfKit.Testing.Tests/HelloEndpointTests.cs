using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PerfKit.Testing;

// Outside PerfKit.Testing on purpose: the README block of usings must be all a newcomer's test file needs.
namespace ReadmeExamples;

/// <summary>
/// The README's first example, whole (its usings and this class): a real Kestrel on 127.0.0.1, an HttpClient, a warm-up,
/// an SLO. The bounds are generous because this runs beside every other test on a shared 2-core machine.
/// </summary>
public sealed class HelloEndpointTests : IAsyncLifetime
{
    private WebApplication? _app;
    private HttpClient? _client;

    public async ValueTask InitializeAsync()
    {
        // The system under test: a real Kestrel on a free port of 127.0.0.1 (any URL works the same way).
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapGet("/hello", () => "hello");
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _client = new HttpClient { BaseAddress = new Uri(address) };
    }

    [Fact]
    public async Task HelloEndpoint_MeetsItsLatencySlo()
    {
        var model = new OpenModel(ratePerSecond: 100, TimeSpan.FromSeconds(2))
        {
            WarmUp = TimeSpan.FromSeconds(1), // JIT, connections, caches: run, not measured
            MaxSchedulerLag = TimeSpan.FromSeconds(1),
        };

        var result = await LoadTest.RunAsync("GET /hello", HttpScenario.Get(_client!, "/hello"), model, cancellationToken: TestContext.Current.CancellationToken);

        TestContext.Current.TestOutputHelper?.WriteLine(result.ToString()); // shown by: dotnet test --output detailed
        result.Iterations.Should().Be(200, "the warm-up's iterations are not counted");
        result.Should().HaveP95Below(TimeSpan.FromSeconds(2)).And.HaveErrorRateBelow(0.01);
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
