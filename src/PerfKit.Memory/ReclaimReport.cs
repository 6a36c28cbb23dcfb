namespace PerfKit.Memory;

/// <summary>How one step of a reclaim ended.</summary>
public enum ReclaimStepOutcome
{
    /// <summary>The step ran to its end.</summary>
    Completed = 0,

    /// <summary>The responder threw; reclaim went on with the next one.</summary>
    Failed = 1,

    /// <summary>The responder did not finish within the responder timeout; reclaim went on with the next one.</summary>
    TimedOut = 2,
}

/// <summary>One step of a reclaim: a garbage collection or one responder.</summary>
public sealed class ReclaimStep
{
    /// <summary>Creates a step.</summary>
    /// <param name="name">The responder's name, or <c>gc</c> / <c>gc-compacting</c> for collections.</param>
    /// <param name="bytesFreed">Usage before the step minus usage after it (negative when usage grew meanwhile).</param>
    /// <param name="reportedBytes">The responder's own estimate; 0 for collections.</param>
    /// <param name="duration">How long the step took.</param>
    /// <param name="outcome">How it ended.</param>
    /// <param name="error">The exception of a failed step.</param>
    public ReclaimStep(string name, long bytesFreed, long reportedBytes, TimeSpan duration, ReclaimStepOutcome outcome, Exception? error)
    {
        Name = name;
        BytesFreed = bytesFreed;
        ReportedBytes = reportedBytes;
        Duration = duration;
        Outcome = outcome;
        Error = error;
    }

    /// <summary>The responder's name, or <c>gc</c> / <c>gc-compacting</c> for collections.</summary>
    public string Name { get; }

    /// <summary>Measured: usage before the step minus usage after it (negative when usage grew meanwhile).</summary>
    public long BytesFreed { get; }

    /// <summary>The responder's own estimate; 0 for collections.</summary>
    public long ReportedBytes { get; }

    /// <summary>How long the step took.</summary>
    public TimeSpan Duration { get; }

    /// <summary>How it ended.</summary>
    public ReclaimStepOutcome Outcome { get; }

    /// <summary>The exception of a failed step, else <see langword="null"/>.</summary>
    public Exception? Error { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {Outcome}, freed {BytesFreed:N0} B in {Duration.TotalMilliseconds:N1} ms";
}

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
