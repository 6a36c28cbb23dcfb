using System.Diagnostics.Metrics;
using PerfKit.Shared;

namespace PerfKit.Testing.Internal;

/// <summary>The instruments of the PerfKit.Testing meter, one set per <see cref="Meter"/> (the runner no longer creates, or disposes, a meter of its own).</summary>
internal sealed class TestingMetrics
{
    private TestingMetrics(Meter meter)
    {
        Runs = meter.CreateCounter<long>(PerfKitTestingDiagnostics.Instruments.Runs, "{run}", "Load runs completed, by outcome (completed, invalid, aborted).");
        Iterations = meter.CreateCounter<long>(PerfKitTestingDiagnostics.Instruments.Iterations, "{iteration}", "Measured iterations of load runs.");
        Failures = meter.CreateCounter<long>(PerfKitTestingDiagnostics.Instruments.IterationFailures, "{iteration}", "Failed iterations of load runs, by reason.");
    }

    public Counter<long> Runs { get; }

    public Counter<long> Iterations { get; }

    public Counter<long> Failures { get; }

    public static TestingMetrics For(IMeterFactory? meterFactory) =>
        MeterCache<TestingMetrics>.For(meterFactory, PerfKitTestingDiagnostics.MeterName, static m => new TestingMetrics(m));
}
