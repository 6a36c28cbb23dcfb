using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PerfKit.Memory;
using static PerfKit.Caching.Tests.CacheTestHelpers;

namespace PerfKit.Caching.Tests;

public sealed class IntegrationWithMemoryTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Pressure_HighHalvesL1_CriticalEmptiesIt()
    {
        using var cache = NewCache(new FakeTimeProvider());
        for (var i = 0; i < 100; i++)
        {
            await cache.SetAsync($"k{i}", i, cancellationToken: Ct);
        }

        await cache.RespondAsync(new MemoryPressureContext(MemoryPressureLevel.High, 2, 1), Ct);
        cache.Count.Should().Be(50);
        await cache.RespondAsync(new MemoryPressureContext(MemoryPressureLevel.Critical, 2, 1), Ct);
        cache.Count.Should().Be(0);
    }

    [Fact]
    public async Task AddPerfKitCaching_WithAddPerfKitMemory_TheBudgetReclaimsTheCache()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider());
        builder.Services.AddPerfKitMemory(o => o.AutomaticReclaim = false);
        builder.Services.AddPerfKitCaching(o => o.Name = "api");
        builder.Services.AddPerfKitCaching();
        using var host = builder.Build();
        await host.StartAsync(Ct);
        var cache = host.Services.GetRequiredService<IPerfKitCache>();
        await cache.SetAsync("k", "v", cancellationToken: Ct);

        var report = await host.Services.GetRequiredService<IMemoryBudget>().ReclaimAsync(1, Ct);

        report.Steps.Should().Contain(s => s.Name == "cache:api");
        cache.TryGet<string>("k", out _).Should().BeFalse();
        cache.Name.Should().Be("api");
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task AddPerfKitCaching_WithBadOptions_FailsAtStart_NamingTheOption()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPerfKitCaching(o => o.MaximumEntries = -1);
        using var host = builder.Build();

        var act = () => host.StartAsync(Ct);

        (await act.Should().ThrowAsync<OptionsValidationException>()).WithMessage("*MaximumEntries*");
    }

    [Fact]
    public async Task Telemetry_CountsHitsMissesAndCoalescedWaits()
    {
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        using var requests = new MetricCollector<long>(meters, PerfKitCachingDiagnostics.MeterName, "perfkit.cache.requests");
        using var cache = new PerfKitCache(new PerfKitCacheOptions { Name = "metered" }, new PerfKitCacheDependencies { TimeProvider = new FakeTimeProvider(), MeterFactory = meters });

        await cache.GetOrCreateAsync("k", (_, _) => ValueTask.FromResult(1), cancellationToken: Ct);
        await cache.GetOrCreateAsync("k", (_, _) => ValueTask.FromResult(1), cancellationToken: Ct);

        var measurements = requests.GetMeasurementSnapshot();
        measurements.Should().Contain(m => (string?)m.Tags["level"] == "l1" && (string?)m.Tags["result"] == "hit" && (string?)m.Tags[PerfKitCachingDiagnostics.Tags.Cache] == "metered");
        measurements.Should().Contain(m => (string?)m.Tags["level"] == "factory" && (string?)m.Tags["result"] == "miss");

        // Coalesced waits: four callers join a load of "slow" that is still running (held by a gate), so the factory
        // runs once and perfkit.cache.coalesced counts the four that waited for it.
        using var coalesced = new MetricCollector<long>(meters, PerfKitCachingDiagnostics.MeterName, "perfkit.cache.coalesced");
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var factoryCalls = 0;
        async ValueTask<int> SlowFactory(CacheFactoryContext context, CancellationToken ct)
        {
            Interlocked.Increment(ref factoryCalls);
            return await gate.Task;
        }

        var callers = Enumerable.Range(0, 5).Select(_ => cache.GetOrCreateAsync("slow", SlowFactory, cancellationToken: Ct).AsTask()).ToList();
        coalesced.GetMeasurementSnapshot().EvaluateAsCounter().Should().Be(4, "the four callers after the first joined its running load");
        gate.SetResult(42);

        (await Task.WhenAll(callers)).Should().AllBeEquivalentTo(42);
        factoryCalls.Should().Be(1);
        coalesced.GetMeasurementSnapshot().Should().OnlyContain(m => (string?)m.Tags[PerfKitCachingDiagnostics.Tags.Cache] == "metered");
    }
}
