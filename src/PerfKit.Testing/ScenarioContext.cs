namespace PerfKit.Testing;

/// <summary>What one iteration of a scenario knows, and how it reports a failed check.</summary>
public sealed class ScenarioContext
{
    internal ScenarioContext(LoadClock clock, CancellationToken cancellationToken)
    {
        Clock = clock;
        CancellationToken = cancellationToken;
    }

    /// <summary>The iteration's number in the measured run, from 0; -1 during warm-up.</summary>
    public long Iteration { get; internal set; }

    /// <summary>The virtual user running it (closed model), or -1 (open model).</summary>
    public int VirtualUser { get; internal set; }

    /// <summary>Cancelled when the run stops (its limit, a threshold, or the caller).</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The run's clock (a <see cref="VirtualLoadClock"/> in generator tests).</summary>
    public LoadClock Clock { get; }

    internal string? FailureReason { get; private set; }

    /// <summary>Marks this iteration failed (a check did not hold); the run goes on and counts it by reason.</summary>
    /// <param name="reason">A short, low-cardinality reason, for example <c>status 503</c>. The result keeps the first <see cref="LoadResult.MaxFailureReasons"/> distinct reasons (cut to <see cref="LoadResult.MaxFailureMessageLength"/> characters) and counts later new ones under <see cref="LoadResult.OtherFailureReasons"/>; metrics count these failures as <c>failed</c>, never by the text.</param>
    public void Fail(string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        FailureReason = reason;
    }

    internal void Reset(long iteration, int virtualUser)
    {
        Iteration = iteration;
        VirtualUser = virtualUser;
        FailureReason = null;
    }
}
