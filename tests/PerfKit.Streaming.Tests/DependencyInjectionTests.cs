using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace PerfKit.Streaming.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public async Task AddPerfKitStreaming_Twice_RegistersOnceAndAppliesBothConfigures()
    {
        var builder = Host.CreateApplicationBuilder();
        var first = builder.Services.AddPerfKitStreaming(o => o.MaxDegreeOfParallelism = 3);
        builder.Services.AddPerfKitStreaming(o => o.BatchSize = 7);
        using var host = builder.Build();

        await host.StartAsync(TestContext.Current.CancellationToken);

        first.Services.Should().BeSameAs(builder.Services);
        builder.Services.Count(d => d.ServiceType == typeof(StreamingPipelineFactory)).Should().Be(1);
        builder.Services.Count(d => d.ServiceType == typeof(IValidateOptions<StreamingPipelineOptions>)).Should().Be(1);
        var factory = host.Services.GetRequiredService<StreamingPipelineFactory>();
        factory.Options.MaxDegreeOfParallelism.Should().Be(3);
        factory.Options.BatchSize.Should().Be(7);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task AddPerfKitStreaming_WithBadOptions_FailsAtHostStart_NamingTheOption()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPerfKitStreaming(o =>
        {
            o.MaxDegreeOfParallelism = 0;
            o.MaxItemBytes = 1000;
            o.MaxBytesInFlight = 10;
        });
        using var host = builder.Build();

        var act = () => host.StartAsync(TestContext.Current.CancellationToken);

        var thrown = await act.Should().ThrowAsync<OptionsValidationException>();
        thrown.Which.Failures.Should().Contain(f => f.Contains("StreamingPipelineOptions.MaxDegreeOfParallelism", StringComparison.Ordinal))
            .And.Contain(f => f.Contains("StreamingPipelineOptions.MaxBytesInFlight", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddPerfKitStreaming_WithAnUnwritableCheckpointPath_FailsAtHostStart()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPerfKitStreaming(o => o.CheckpointPath = "/proc/perfkit-streaming-checkpoint.json");
        using var host = builder.Build();

        var act = () => host.StartAsync(TestContext.Current.CancellationToken);

        (await act.Should().ThrowAsync<OptionsValidationException>()).WithMessage("*StreamingPipelineOptions.CheckpointPath*");
    }

    [Fact]
    public async Task AddPerfKitStreaming_FromConfiguration_BindsTheOptions_AndTheFactoryRuns()
    {
        var builder = Host.CreateApplicationBuilder();
        var section = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["MaxDegreeOfParallelism"] = "2", ["PreserveOrder"] = "true", ["Name"] = "import" })
            .Build();
        builder.Services.AddPerfKitStreaming(section);
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        var factory = host.Services.GetRequiredService<StreamingPipelineFactory>();
        var sunk = new List<int>();
        await using var pipeline = factory.Create<int, int>((i, _) => ValueTask.FromResult(i * 2), (b, _) => { sunk.AddRange(b.Select(r => r.Result)); return ValueTask.CompletedTask; });

        var report = await pipeline.RunAsync(Enumerable.Range(0, 100).ToAsyncEnumerable(), cancellationToken: TestContext.Current.CancellationToken);

        factory.Options.MaxDegreeOfParallelism.Should().Be(2);
        report.Pipeline.Should().Be("import");
        sunk.Should().Equal(Enumerable.Range(0, 100).Select(i => i * 2));
        await host.StopAsync(TestContext.Current.CancellationToken);
    }
}
