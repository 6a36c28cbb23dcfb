using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PerfKit.Caching.Batching;

namespace PerfKit.Caching.Tests.Batching;

public sealed class BatchLoaderOptionsValidatorTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    private static readonly Func<IReadOnlyList<int>, CancellationToken, ValueTask<IReadOnlyDictionary<int, string>>> Echo =
        static (keys, _) => ValueTask.FromResult<IReadOnlyDictionary<int, string>>(keys.ToDictionary(k => k, k => $"v{k}"));

    [Fact]
    public void Defaults_Pass() => FluentActions.Invoking(() => new BatchLoader<int, string>(Echo, new BatchLoaderOptions()).Dispose()).Should().NotThrow();

    [Fact]
    public void EveryBadValue_IsReported_NotOnlyTheFirst_WithReadableRanges()
    {
        var options = new BatchLoaderOptions
        {
            Name = " ",
            MaximumBatchSize = 0,
            LingerTime = TimeSpan.FromMilliseconds(-1),
            MaximumConcurrentBatches = 0,
            MaximumPendingKeys = 0,
            BatchTimeout = TimeSpan.Zero,
        };

        var act = () => new BatchLoader<int, string>(Echo, options);

        var failures = act.Should().Throw<OptionsValidationException>().Which.Failures.ToList();
        failures.Should().HaveCount(6);
        failures.Should().ContainMatch("*BatchLoaderOptions.Name*must not be empty*");
        failures.Should().ContainMatch("*BatchLoaderOptions.MaximumBatchSize*between 1 and 100000; it is 0*");
        failures.Should().ContainMatch("*BatchLoaderOptions.LingerTime*it is -00:00:00.0010000*");
        failures.Should().ContainMatch("*BatchLoaderOptions.MaximumConcurrentBatches*at least 1; it is 0*");
        failures.Should().ContainMatch("*BatchLoaderOptions.MaximumPendingKeys*at least 1; it is 0*");
        failures.Should().ContainMatch("*BatchLoaderOptions.BatchTimeout*must be positive*");
        failures.Should().NotContain(f => f.Contains("E+", StringComparison.Ordinal) || f.Contains("E-", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(100_001)]
    [InlineData(int.MaxValue)]
    public void ABatchSizeAboveTheLimit_IsRefused(int size)
    {
        var act = () => new BatchLoader<int, string>(Echo, new BatchLoaderOptions { MaximumBatchSize = size });
        act.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("BatchLoaderOptions.MaximumBatchSize");
    }

    [Fact]
    public void AnInfiniteBatchTimeout_AndFewerPendingKeysThanABatch_AreRefusedInWords()
    {
        var act = () => new BatchLoader<int, string>(Echo, new BatchLoaderOptions { BatchTimeout = Timeout.InfiniteTimeSpan, MaximumPendingKeys = 10, MaximumBatchSize = 100 });
        var failures = act.Should().Throw<OptionsValidationException>().Which.Failures.ToList();
        failures.Should().ContainMatch("*BatchLoaderOptions.BatchTimeout*Timeout.InfiniteTimeSpan*");
        failures.Should().ContainMatch("*BatchLoaderOptions.MaximumPendingKeys*at least BatchLoaderOptions.MaximumBatchSize (100)*it is 10*");
    }

    [Fact]
    public void ALingerAboveOneSecond_IsRefused()
    {
        var act = () => new BatchLoader<int, string>(Echo, new BatchLoaderOptions { LingerTime = TimeSpan.FromSeconds(2) });
        act.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("BatchLoaderOptions.LingerTime");
    }

    [Fact]
    public async Task WithDI_BadOptionsFailAtHostStart_NamingTheOption()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPerfKitCaching().AddBatchLoader(_ => Echo, o => o.MaximumBatchSize = -5);
        using var host = builder.Build();

        var act = () => host.StartAsync(Ct);

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("BatchLoaderOptions.MaximumBatchSize").And.Contain("-5");
    }

    [Fact]
    public async Task AddBatchLoader_Twice_RegistersOnce_AppliesBothConfigures_AndTheLastFunctionWins()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddPerfKitCaching()
            .AddBatchLoader<int, string>(_ => static (keys, _) => ValueTask.FromResult<IReadOnlyDictionary<int, string>>(keys.ToDictionary(k => k, _ => "first")), o => o.MaximumBatchSize = 7)
            .AddBatchLoader<int, string>(_ => Echo, o => o.LingerTime = TimeSpan.Zero);
        await using var provider = services.BuildServiceProvider();

        services.Count(d => d.ServiceType == typeof(BatchLoader<int, string>)).Should().Be(1);
        var options = provider.GetRequiredService<IOptionsMonitor<BatchLoaderOptions>>().Get(PerfKitCachingServiceCollectionExtensions.BatchLoaderOptionsName<int, string>());
        options.MaximumBatchSize.Should().Be(7);
        options.LingerTime.Should().Be(TimeSpan.Zero);
        options.Name.Should().Be("String");
        var loader = provider.GetRequiredService<BatchLoader<int, string>>();
        (await loader.LoadAsync(3, Ct)).Should().Be("v3");
    }
}
