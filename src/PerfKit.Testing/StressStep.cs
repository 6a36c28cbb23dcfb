namespace PerfKit.Testing;

/// <summary>One step of a stress search: the rate applied, whether the system sustained it, and the run as evidence.</summary>
public sealed class StressStep
{
    internal StressStep(double rate, bool sustained, string reason, LoadResult run)
    {
        Rate = rate;
        Sustained = sustained;
        Reason = reason;
        Run = run;
    }

    /// <summary>Arrivals per second.</summary>
    public double Rate { get; }

    /// <summary>Whether the step met the SLO and the error budget with a valid generator.</summary>
    public bool Sustained { get; }

    /// <summary>Why it was or was not sustained, with the figures.</summary>
    public string Reason { get; }

    /// <summary>The step's load run.</summary>
    public LoadResult Run { get; }
}
