using System.Diagnostics.Metrics;

namespace PerfKit.Memory.Tests;

/// <summary>Builds a <see cref="MemoryBudget"/> the way a user without DI does: a dependencies object, then <see cref="MemoryBudget.Register"/>.</summary>
internal static class TestBudget
{
    public static MemoryBudget New(
        MemoryBudgetOptions options,
        TimeProvider? time = null,
        IMemoryProbe? probe = null,
        IEnumerable<IMemoryPressureResponder>? responders = null,
        IMeterFactory? meterFactory = null)
    {
        var budget = new MemoryBudget(options, new PerfKitMemoryDependencies { TimeProvider = time, MemoryProbe = probe, MeterFactory = meterFactory });
        foreach (var responder in responders ?? [])
        {
            budget.Register(responder);
        }

        return budget;
    }
}
