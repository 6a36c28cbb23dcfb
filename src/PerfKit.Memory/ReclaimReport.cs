namespace PerfKit.Memory;

/// <summary>The result of <see cref="IMemoryBudget.ReclaimAsync(long, CancellationToken)"/>.</summary>
public sealed class ReclaimReport
{
    /// <summary>Creates a report.</summary>
    /// <param name="source">The measurement used.</param>
    /// <param name="targetBytes">The usage asked for.</param>
    /// <param name="bytesBefore">Usage before the first step.</param>
    /// <param name="bytesAfter">Usage after the last step.</param>
    /// <param name="duration">How long the whole reclaim took.</param>
    /// <param name="steps">The steps, in the order they ran.</param>
    public ReclaimReport(MemoryUsageSource source, long targetBytes, long bytesBefore, long bytesAfter, TimeSpan duration, IReadOnlyList<ReclaimStep> steps)
    {
        Source = source;
        TargetBytes = targetBytes;
        BytesBefore = bytesBefore;
        BytesAfter = bytesAfter;
        Duration = duration;
        Steps = steps;
    }

    /// <summary>The measurement used.</summary>
    public MemoryUsageSource Source { get; }

    /// <summary>The usage asked for.</summary>
    public long TargetBytes { get; }

    /// <summary>Usage before the first step.</summary>
    public long BytesBefore { get; }

    /// <summary>Usage after the last step.</summary>
    public long BytesAfter { get; }

    /// <summary>Total bytes freed: <see cref="BytesBefore"/> minus <see cref="BytesAfter"/>.</summary>
    public long BytesFreed => BytesBefore - BytesAfter;

    /// <summary>Whether usage ended at or under the target.</summary>
    public bool ReachedTarget => BytesAfter <= TargetBytes;

    /// <summary>How long the whole reclaim took.</summary>
    public TimeSpan Duration { get; }

    /// <summary>The steps, in the order they ran.</summary>
    public IReadOnlyList<ReclaimStep> Steps { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"Reclaim {(ReachedTarget ? "reached" : "missed")} target {TargetBytes:N0} B: {BytesBefore:N0} B -> {BytesAfter:N0} B in {Duration.TotalMilliseconds:N1} ms ({Steps.Count} steps)";
}
