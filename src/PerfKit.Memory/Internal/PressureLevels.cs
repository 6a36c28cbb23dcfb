namespace PerfKit.Memory.Internal;

/// <summary>The level arithmetic: rise at once, fall only once usage is below the threshold by the hysteresis.</summary>
internal static class PressureLevels
{
    public static MemoryPressureLevel Next(MemoryPressureLevel current, double ratio, MemoryBudgetOptions o)
    {
        var raw = ratio >= o.CriticalThreshold ? MemoryPressureLevel.Critical
            : ratio >= o.HighThreshold ? MemoryPressureLevel.High
            : ratio >= o.ElevatedThreshold ? MemoryPressureLevel.Elevated
            : MemoryPressureLevel.Normal;
        if (raw >= current)
        {
            return raw;
        }

        var level = current;
        while (level > raw && ratio < Threshold(level, o) - o.Hysteresis)
        {
            level--;
        }

        return level;
    }

    private static double Threshold(MemoryPressureLevel level, MemoryBudgetOptions o) => level switch
    {
        MemoryPressureLevel.Critical => o.CriticalThreshold,
        MemoryPressureLevel.High => o.HighThreshold,
        MemoryPressureLevel.Elevated => o.ElevatedThreshold,
        _ => 0,
    };
}
