namespace PerfKit.Testing;

/// <summary>
/// Open model: iterations start on a schedule, whether or not earlier ones have finished, as real users arrive — at a
/// constant rate (<see cref="OpenModel(double, TimeSpan)"/>) or a rate ramping through stages
/// (<see cref="OpenModel(IEnumerable{LoadStage})"/>). Latency is measured from each iteration's <em>intended</em>
/// start, so a stall of the system shows in the percentiles (no coordinated omission); the uncorrected latency and
/// the generator's scheduling lag are reported beside it. Iterations that cannot start because
/// <see cref="MaxConcurrency"/> are running are dropped and counted; a run that dropped any, or whose generator
/// lagged past <see cref="MaxSchedulerLag"/>, is invalid and never passes a latency assertion.
/// </summary>
public sealed class OpenModel : LoadModel
{
    private readonly LoadStage[] _stages;
    private readonly bool _constant;
    private readonly double? _startRate;

    /// <summary>Creates a constant-rate model.</summary>
    /// <param name="ratePerSecond">Arrivals per second; positive.</param>
    /// <param name="duration">How long arrivals go on; positive.</param>
    public OpenModel(double ratePerSecond, TimeSpan duration)
    {
        _stages = [new LoadStage(duration, ratePerSecond)];
        _startRate = ratePerSecond;
        _constant = true;
    }

    /// <summary>Creates a ramping-rate model: the arrival rate follows the stages (from <see cref="StartRate"/>).</summary>
    /// <param name="stages">The stages; targets are arrivals per second.</param>
    public OpenModel(IEnumerable<LoadStage> stages)
    {
        _stages = CopyStages(stages, nameof(OpenModel));
        _startRate = 0;
    }

    /// <summary>The highest arrival rate of the run, per second (the rate itself for a constant model).</summary>
    public double RatePerSecond => Math.Max(StartRate, _stages.Max(s => s.Target));

    /// <summary>How long arrivals go on (all stages).</summary>
    public TimeSpan Duration => TimeSpan.FromTicks(_stages.Sum(s => s.Duration.Ticks));

    /// <summary>The stages (one, for a constant rate).</summary>
    public IReadOnlyList<LoadStage> Stages => _stages;

    /// <summary>The arrival rate at the start of the first stage: the rate itself for a constant model, 0 by default for a ramping one.</summary>
    public double StartRate
    {
        get => _startRate ?? 0;
        init => _startRate = value;
    }

    /// <summary>Iterations running at once before new arrivals are dropped. Default 10,000.</summary>
    public int MaxConcurrency { get; init; } = 10_000;

    /// <summary>The p99 of the generator's own lateness above which the run is invalid. Default 50 ms.</summary>
    public TimeSpan MaxSchedulerLag { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// How long before each arrival the generator stops sleeping and spins (yielding the core) until the arrival is
    /// due. Timers count whole milliseconds and wake 1–2 ms late, and in the open model that lateness is counted in the latency (it
    /// is scheduler lag); spinning the last stretch brings it to microseconds, at the cost of CPU: up to this window
    /// of one core per arrival, all of a core once arrivals come closer than the window. Use 1–2 ms when the SLO is
    /// a few milliseconds or less. Only the system clock spins. Default zero (sleep all the way).
    /// </summary>
    public TimeSpan SpinWindow { get; init; }

    private protected override string Unit => "rate per second";

    internal override IReadOnlyList<LoadStage> StagesOrEmpty => _stages;

    internal override double StartLoad => StartRate;

    internal override void Validate()
    {
        if (_constant)
        {
            // The constant-rate constructor: name its parameters in errors.
            if (!(RatePerSecond > 0) || double.IsInfinity(RatePerSecond))
            {
                throw new ArgumentOutOfRangeException(nameof(RatePerSecond), RatePerSecond, "OpenModel.RatePerSecond must be a positive number.");
            }

            if (Duration <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(Duration), Duration, "OpenModel.Duration must be positive.");
            }
        }

        base.Validate();
        if (!(RatePerSecond > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(Stages), RatePerSecond, "OpenModel.Stages never reach a positive arrival rate.");
        }

        if (MaxConcurrency < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrency), MaxConcurrency, "OpenModel.MaxConcurrency must be at least 1.");
        }

        if (MaxSchedulerLag <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSchedulerLag), MaxSchedulerLag, "OpenModel.MaxSchedulerLag must be positive.");
        }

        if (SpinWindow < TimeSpan.Zero || SpinWindow > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(SpinWindow), SpinWindow, "OpenModel.SpinWindow must be from zero to one second.");
        }
    }
}
