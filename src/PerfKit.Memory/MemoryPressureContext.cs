namespace PerfKit.Memory;

/// <summary>What a responder is asked to do.</summary>
public sealed class MemoryPressureContext
{
    /// <summary>Creates a context.</summary>
    /// <param name="level">The pressure level at the time of the request.</param>
    /// <param name="usageBytes">Current usage.</param>
    /// <param name="targetBytes">The usage that reclaim is trying to reach.</param>
    public MemoryPressureContext(MemoryPressureLevel level, long usageBytes, long targetBytes)
    {
        Level = level;
        UsageBytes = usageBytes;
        TargetBytes = targetBytes;
    }

    /// <summary>The pressure level at the time of the request.</summary>
    public MemoryPressureLevel Level { get; }

    /// <summary>Current usage.</summary>
    public long UsageBytes { get; }

    /// <summary>The usage that reclaim is trying to reach.</summary>
    public long TargetBytes { get; }

    /// <summary>How many bytes are still to be freed (never negative).</summary>
    public long BytesToFree => Math.Max(0, UsageBytes - TargetBytes);
}
