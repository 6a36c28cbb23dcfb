using System.Text;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PerfKit.Testing;
using PerfKit.Testing.Reports;
using Xunit;

// The README: the heap is process-wide, so memory checks run with nothing beside them.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace ReadmeExamples;

// Scaffolding for the README's fragments: a Kestrel endpoint and its client, a report folder, a batch to measure.
public sealed class ReadmeFragments : IAsyncLifetime
{
    private readonly StringBuilder _builder = new(64);
    private readonly DirectoryInfo reports = Directory.CreateTempSubdirectory("perfkit-readme-");
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

        reports.Delete(recursive: true);
    }

    private sealed class Session;

    private static async Task ProcessBatchAsync(int records)
    {
        var buffer = new byte[1024];
        using var sink = new MemoryStream(capacity: 1024);
        for (var i = 0; i < records; i++)
        {
            sink.Position = 0;
            await sink.WriteAsync(buffer);
        }
    }
}
