namespace PerfKit.Testing.Load;

/// <summary>How load is generated: <see cref="ClosedModel"/> (virtual users) or <see cref="OpenModel"/> (arrival rate).</summary>
public abstract class LoadModel
{
    private protected LoadModel()
    {
    }

    /// <summary>
    /// Load applied before measuring starts (JIT, connection pools, caches warm up): its iterations run but are not
    /// recorded, and <c>Duration</c>/<c>Iterations</c> count only what comes after it. Default none.
    /// </summary>
    public TimeSpan WarmUp { get; init; }

    internal virtual void Validate()
    {
        if (WarmUp < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(WarmUp), WarmUp, "LoadModel.WarmUp must not be negative.");
        }
    }
}

/// <summary>
/// Closed model: a fixed number of virtual users, each running the scenario in a loop (then thinking). Throughput
/// follows the system's speed: when it slows, users wait, so latencies measured here understate what an open stream
/// of arrivals would see. Use <see cref="OpenModel"/> for latency SLOs.
/// </summary>
public sealed class ClosedModel : LoadModel
{
    /// <summary>Creates the model.</summary>
    /// <param name="virtualUsers">How many users run at once; at least 1.</param>
    public ClosedModel(int virtualUsers) => VirtualUsers = virtualUsers;

    /// <summary>How many users run at once.</summary>
    public int VirtualUsers { get; }

    /// <summary>Stop after this long. At least one of <see cref="Duration"/> and <see cref="Iterations"/> must be set.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Stop after this many iterations in all.</summary>
    public long? Iterations { get; init; }

    /// <summary>Pause of each user between iterations. Default none.</summary>
    public TimeSpan ThinkTime { get; init; }

    internal override void Validate()
    {
        base.Validate();
        if (VirtualUsers < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(VirtualUsers), VirtualUsers, "ClosedModel.VirtualUsers must be at least 1.");
        }

        if (Duration is null && Iterations is null)
        {
            throw new ArgumentException("A ClosedModel needs a Duration or an Iterations limit, or it would never stop.", nameof(Duration));
        }

        if (Duration is { } d && d <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Duration), d, "ClosedModel.Duration must be positive.");
        }

        if (Iterations is { } i && i < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Iterations), i, "ClosedModel.Iterations must be at least 1.");
        }

        if (ThinkTime < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ThinkTime), ThinkTime, "ClosedModel.ThinkTime must not be negative.");
        }
    }
}

/// <summary>
/// Open model: iterations start on a fixed schedule (<see cref="RatePerSecond"/>), whether or not earlier ones have
/// finished, as real users arrive. Latency is measured from each iteration's <em>intended</em> start, so a stall
/// of the system shows in the percentiles (no coordinated omission); the uncorrected latency and the generator's
/// scheduling lag are reported beside it. Iterations that cannot start because <see cref="MaxConcurrency"/> are
/// running are dropped and counted; a run that dropped any, or whose generator lagged past
/// <see cref="MaxSchedulerLag"/>, is invalid and never passes a latency assertion.
/// </summary>
public sealed class OpenModel : LoadModel
{
    /// <summary>Creates the model.</summary>
    /// <param name="ratePerSecond">Arrivals per second; positive.</param>
    /// <param name="duration">How long arrivals go on; positive.</param>
    public OpenModel(double ratePerSecond, TimeSpan duration)
    {
        RatePerSecond = ratePerSecond;
        Duration = duration;
    }

    /// <summary>Arrivals per second.</summary>
    public double RatePerSecond { get; }

    /// <summary>How long arrivals go on.</summary>
    public TimeSpan Duration { get; }

    /// <summary>Iterations running at once before new arrivals are dropped. Default 10,000.</summary>
    public int MaxConcurrency { get; init; } = 10_000;

    /// <summary>The p99 of the generator's own lateness above which the run is invalid. Default 50 ms.</summary>
    public TimeSpan MaxSchedulerLag { get; init; } = TimeSpan.FromMilliseconds(50);

    internal override void Validate()
    {
        base.Validate();
        if (!(RatePerSecond > 0) || double.IsInfinity(RatePerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(RatePerSecond), RatePerSecond, "OpenModel.RatePerSecond must be a positive number.");
        }

        if (Duration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Duration), Duration, "OpenModel.Duration must be positive.");
        }

        if (MaxConcurrency < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrency), MaxConcurrency, "OpenModel.MaxConcurrency must be at least 1.");
        }
    }
}
