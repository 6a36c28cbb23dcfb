namespace PerfKit.Memory;

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
