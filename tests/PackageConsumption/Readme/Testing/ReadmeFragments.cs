using System.Text;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PerfKit.Testing;
// README: ramp-usings
using Xunit;

namespace ReadmeExamples;

// README: heap

// Scaffolding for the README's fragments: a Kestrel endpoint and its client, a report folder, a batch to measure.
[Collection(typeof(HeapMeasurements))]
public sealed class ReadmeFragments : IAsyncLifetime
{
    private WebApplication? _app;
    private HttpClient client = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapGet("/hello", () => "hello");
        await _app.StartAsync();
        client = new HttpClient { BaseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };
    }

    [Fact]
    public async Task RampThresholdsAndReport()
    {
        // README: ramp
        report.Passed.Should().BeTrue(report.ToMarkdown());
        reports.GetFiles().Should().HaveCount(4);
        reports.Delete(recursive: true);
    }

    [Fact]
    public async Task Stress()
    {
        // README: stress
        stress.Knee.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task PeakMemoryAndSoak()
    {
        // README: memory
    }

    // README: facts

    public async ValueTask DisposeAsync()
    {
        client.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    // README: memory-workload
}
