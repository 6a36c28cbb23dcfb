using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using PerfKit.Testing.Internal;
using PerfKit.Testing.Reports;

namespace PerfKit.Testing.Tests;

public sealed class PerfKitTestingServiceTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheRunner_RunsLogsMetersAndWritesTheConfiguredReports()
    {
        var folder = Directory.CreateTempSubdirectory("perfkit-runner-");
        try
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders().AddFakeLogging();
            builder.Services.AddPerfKitTesting(o =>
            {
                o.ReportDirectory = folder.FullName;
                o.Formats = ReportFormats.Html | ReportFormats.Json;
            });
            using var host = builder.Build();
            await host.StartAsync(Ct);
            var runner = host.Services.GetRequiredService<ILoadTestRunner>();
            using var iterations = new MetricCollector<long>(host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), PerfKitTestingDiagnostics.MeterName, "perfkit.testing.iterations");

            var run = await runner.RunAsync("noop", context =>
            {
                if (context.Iteration % 10 == 0)
                {
                    context.Fail("sampled");
                }

                return ValueTask.CompletedTask;
            }, new ClosedModel(2) { Iterations = 40 }, Ct);
            var files = await runner.WriteReportAsync(new ReadinessReport("runner").CheckErrorRate(run, 0.2), Ct);

            run.Iterations.Should().Be(40);
            iterations.GetMeasurementSnapshot().EvaluateAsCounter().Should().Be(40);
            files.Select(Path.GetFileName).Should().BeEquivalentTo(["readiness.json", "readiness.html"]);
            var logs = host.Services.GetRequiredService<FakeLogCollector>().GetSnapshot();
            logs.Should().Contain(l => l.Id.Id == 5001 && l.Message.Contains("40 iterations", StringComparison.Ordinal));
            // Exactly READY: "NOT READY" contains "READY", so a substring test could not fail.
            logs.Should().ContainSingle(l => l.Id.Id == 5005).Which.GetStructuredStateValue("Verdict").Should().Be("READY");
            await host.StopAsync(Ct);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task WriteReportAsync_ForAFailingReport_LogsNotReady()
    {
        var folder = Directory.CreateTempSubdirectory("perfkit-runner-");
        try
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders().AddFakeLogging();
            builder.Services.AddPerfKitTesting(o =>
            {
                o.ReportDirectory = folder.FullName;
                o.Formats = ReportFormats.Json;
            });
            using var host = builder.Build();
            var runner = host.Services.GetRequiredService<ILoadTestRunner>();

            await runner.WriteReportAsync(new ReadinessReport("runner").Check("never", false, "failed on purpose"), Ct);

            var logs = host.Services.GetRequiredService<FakeLogCollector>().GetSnapshot();
            logs.Should().ContainSingle(l => l.Id.Id == 5005).Which.GetStructuredStateValue("Verdict").Should().Be("NOT READY");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task BadOptions_FailAtStartUp_NamingTheOption()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPerfKitTesting(o =>
        {
            o.ReportDirectory = " ";
            o.Formats = ReportFormats.None;
        });
        using var host = builder.Build();

        var start = () => host.StartAsync(Ct);

        var failures = (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Failures.ToList();
        failures.Should().HaveCount(2);
        failures[0].Should().Contain("PerfKitTestingOptions.ReportDirectory must name a folder.");
        failures[1].Should().Be("Property PerfKitTestingOptions.Formats: must be one or more of Markdown, Json, JUnit and Html; it is None.");
    }

    [Fact]
    public void AddPerfKitTesting_Twice_RegistersOnce_AppliesBothConfigures_AndReturnsABuilder()
    {
        var services = new ServiceCollection();

        var first = services.AddPerfKitTesting(o => o.ReportDirectory = "reports");
        var second = services.AddPerfKitTesting(o => o.Formats = ReportFormats.Json);
        using var provider = services.BuildServiceProvider();

        first.Services.Should().BeSameAs(services);
        second.Services.Should().BeSameAs(services);
        services.Count(d => d.ServiceType == typeof(ILoadTestRunner)).Should().Be(1);
        var options = provider.GetRequiredService<IOptions<PerfKitTestingOptions>>().Value;
        options.ReportDirectory.Should().Be("reports");
        options.Formats.Should().Be(ReportFormats.Json);
    }

    [Fact]
    public async Task AddPerfKitTesting_BindsAConfigurationSection_AndValidatesItAtStart()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["PerfKit:Testing:ReportDirectory"] = "from-config";
        builder.Configuration["PerfKit:Testing:Formats"] = "Markdown, Html";
        builder.Services.AddPerfKitTesting(builder.Configuration.GetSection("PerfKit:Testing"));
        using var host = builder.Build();

        await host.StartAsync(Ct);

        var options = host.Services.GetRequiredService<IOptions<PerfKitTestingOptions>>().Value;
        options.ReportDirectory.Should().Be("from-config");
        options.Formats.Should().Be(ReportFormats.Markdown | ReportFormats.Html);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task FindKneeAsync_TagsEveryStepWithTheSearchName_NotOneValuePerStep()
    {
        var services = new ServiceCollection();
        services.AddMetrics();
        services.AddPerfKitTesting();
        await using var provider = services.BuildServiceProvider();
        var clock = new VirtualLoadClock();
        var runner = (LoadTestRunner)provider.GetRequiredService<ILoadTestRunner>();
        runner.Clock = clock;
        using var iterations = new MetricCollector<long>(provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), PerfKitTestingDiagnostics.MeterName, PerfKitTestingDiagnostics.Instruments.Iterations);

        // A serial server of 1 ms a call: saturates at 1,000/s, so the search takes several steps.
        var result = await runner.FindKneeAsync("serial", _ =>
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
            return ValueTask.CompletedTask;
        }, new StressOptions(startRate: 200, sloLatency: TimeSpan.FromMilliseconds(20)) { StepDuration = TimeSpan.FromSeconds(2) }, Ct);

        result.Steps.Should().HaveCountGreaterThan(2);
        var tags = iterations.GetMeasurementSnapshot().Select(m => m.Tags[PerfKitTestingDiagnostics.Tags.Run]).Distinct().ToList();
        tags.Should().Equal("serial");
    }

    [Fact]
    public void EveryPublishedInstrument_IsListedInPerfKitTestingDiagnostics()
    {
        var published = new HashSet<string>();
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == PerfKitTestingDiagnostics.MeterName)
                {
                    lock (published)
                    {
                        published.Add(instrument.Name);
                    }
                }
            },
        };
        listener.Start();
        var services = new ServiceCollection();
        services.AddMetrics();
        services.AddPerfKitTesting();
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<ILoadTestRunner>();

        var listed = typeof(PerfKitTestingDiagnostics.Instruments).GetFields().Select(f => (string)f.GetRawConstantValue()!).ToList();
        lock (published)
        {
            published.Should().BeEquivalentTo(listed);
        }
    }
}
