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
