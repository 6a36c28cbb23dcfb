using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using PerfKit.Memory.Pooling;
using PerfKit.Memory.Resources;

namespace PerfKit.Memory.Tests;

public sealed class TelemetryTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void EveryPublishedInstrument_IsListedInPerfKitMemoryDiagnostics_AndEveryListedOneIsPublished()
    {
        var meters = NewMeterFactory();
        var published = new HashSet<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == PerfKitMemoryDiagnostics.MeterName)
                {
                    lock (published)
                    {
                        published.Add(instrument.Name);
                    }
                }
            },
        };
        listener.Start();

        using var pool = new BoundedArrayPool<byte>(new BoundedArrayPoolOptions(), new PerfKitMemoryDependencies { MeterFactory = meters });

        var listed = typeof(PerfKitMemoryDiagnostics.Instruments).GetFields().Select(f => (string)f.GetRawConstantValue()!).ToList();
        listed.Should().OnlyHaveUniqueItems();
        lock (published)
        {
            published.Should().BeEquivalentTo(listed);
        }
    }

    private static IMeterFactory NewMeterFactory() =>
        new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    [Fact]
    public async Task Reclaim_RecordsCountBytesAndResponderFailures()
    {
        var meters = NewMeterFactory();
        using var reclaims = new MetricCollector<long>(meters, PerfKitMemoryDiagnostics.MeterName, "perfkit.memory.reclaims");
        using var reclaimed = new MetricCollector<long>(meters, PerfKitMemoryDiagnostics.MeterName, "perfkit.memory.reclaimed");
        using var failures = new MetricCollector<long>(meters, PerfKitMemoryDiagnostics.MeterName, "perfkit.memory.responder.failures");
        var probe = new FakeMemoryProbe(usage: 900 * MiB);
        var calls = new List<string>();
        using var budget = TestBudget.New(
            new MemoryBudgetOptions { BudgetBytes = 1000 * MiB, AutomaticReclaim = false, CompactAsLastResort = false },
            new FakeTimeProvider(), probe,
            [new FailingResponder(), new RecordingResponder("cache", 10, probe, 600 * MiB, calls)],
            meterFactory: meters);

        await budget.ReclaimAsync(400 * MiB, TestContext.Current.CancellationToken);

        var reclaim = reclaims.GetMeasurementSnapshot().Should().ContainSingle().Subject;
        reclaim.Tags[PerfKitMemoryDiagnostics.Tags.Trigger].Should().Be("manual");
        reclaim.Tags["result"].Should().Be("reached");
        reclaimed.GetMeasurementSnapshot().Single().Value.Should().Be(600 * MiB);
        var failure = failures.GetMeasurementSnapshot().Should().ContainSingle().Subject;
        failure.Tags["perfkit.responder.name"].Should().Be("fails");
        failure.Tags["outcome"].Should().Be("error");
    }

    [Fact]
    public async Task PressureUsageAndPools_ArePublishedAsObservableInstruments()
    {
        var meters = NewMeterFactory();
        using var level = new MetricCollector<long>(meters, PerfKitMemoryDiagnostics.MeterName, "perfkit.memory.pressure.level");
        using var retained = new MetricCollector<long>(meters, PerfKitMemoryDiagnostics.MeterName, "perfkit.memory.pool.retained");
        using var loads = new MetricCollector<long>(meters, PerfKitMemoryDiagnostics.MeterName, "perfkit.memory.resource.loads");
        var probe = new FakeMemoryProbe(usage: 900 * MiB);
        using var budget = TestBudget.New(new MemoryBudgetOptions { BudgetBytes = 1000 * MiB, AutomaticReclaim = false }, new FakeTimeProvider(), probe, meterFactory: meters);
        budget.Start();
        using var pool = new BoundedArrayPool<byte>(new BoundedArrayPoolOptions { Name = "metered" }, new PerfKitMemoryDependencies { MeterFactory = meters });
        pool.Return(pool.Rent(4096));
        await using var resource = new LazyResource<object>(_ => ValueTask.FromResult(new object()), new LazyResourceOptions { Name = "table" }, new PerfKitMemoryDependencies { MeterFactory = meters });
        (await resource.AcquireAsync(TestContext.Current.CancellationToken)).Dispose();

        level.RecordObservableInstruments();
        retained.RecordObservableInstruments();

        level.LastMeasurement!.Value.Should().Be((long)MemoryPressureLevel.High);
        retained.GetMeasurementSnapshot().Should().Contain(m => (string?)m.Tags["perfkit.pool.name"] == "metered" && m.Value == 4096);
        loads.GetMeasurementSnapshot().Should().ContainSingle(m => (string?)m.Tags["perfkit.resource.name"] == "table" && (string?)m.Tags["result"] == "success");
    }

    private sealed class FailingResponder : IMemoryPressureResponder
    {
        public string Name => "fails";

        public int Priority => 1;

        public ValueTask<long> RespondAsync(MemoryPressureContext context, CancellationToken cancellationToken) =>
            ValueTask.FromException<long>(new InvalidOperationException("boom"));
    }
}
