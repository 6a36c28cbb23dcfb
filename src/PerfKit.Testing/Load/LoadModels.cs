namespace PerfKit.Testing.Load;

/// <summary>How load is generated: <see cref="ClosedModel"/> (virtual users) or <see cref="OpenModel"/> (arrival rate).</summary>
public abstract class LoadModel
{
    private protected LoadModel()
    {
    }

    /// <summary>
    /// Load applied before measuring starts (JIT, connection pools, caches warm up): its iterations run but are not
    /// recorded, and <c>Duration</c>/<c>Iterations</c> count only what comes after it. During warm-up the load is
    /// held at the level the first stage starts from (or, when that is zero, the first stage's target). Default none.
    /// </summary>
    public TimeSpan WarmUp { get; init; }

    /// <summary>
    /// Thresholds that stop the run early once broken (checked once per second of the run on the figures so far),
    /// so a run that is already failing its SLO does not keep hammering the system. The result says which one
    /// stopped it (<see cref="LoadResult.AbortedBecause"/>). Default none.
    /// </summary>
    public IReadOnlyList<LoadThreshold> AbortWhen { get; init; } = [];

    /// <summary>
    /// How long iterations still running when the run reaches its limit (its duration, its last arrival, its
    /// iteration count) may go on before they are cancelled, so a run always ends even if the system hangs. A cut-off
    /// iteration is a failure, <c>interrupted at graceful stop</c>, and its latency so far is recorded (a lower bound).
    /// Not applied with a <see cref="VirtualLoadClock"/>. Default 30 s.
    /// </summary>
    public TimeSpan GracefulStop { get; init; } = TimeSpan.FromSeconds(30);

    private protected abstract string Unit { get; }

    internal abstract IReadOnlyList<LoadStage> StagesOrEmpty { get; }

    internal abstract double StartLoad { get; }

    internal LoadSchedule Schedule()
    {
        var stages = StagesOrEmpty;
        var warmUpLoad = StartLoad > 0 || stages.Count == 0 ? StartLoad : stages[0].Target;
        return new LoadSchedule(StartLoad, stages, WarmUp, warmUpLoad);
    }

    internal virtual void Validate()
    {
        if (WarmUp < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(WarmUp), WarmUp, "LoadModel.WarmUp must not be negative.");
        }

        if (GracefulStop < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(GracefulStop), GracefulStop, "LoadModel.GracefulStop must not be negative.");
        }

        if (AbortWhen is null)
        {
            throw new ArgumentNullException(nameof(AbortWhen), "LoadModel.AbortWhen must not be null (leave it empty for none).");
        }

        for (var i = 0; i < AbortWhen.Count; i++)
        {
            if (AbortWhen[i] is null)
            {
                throw new ArgumentException($"LoadModel.AbortWhen[{i}] is null.", nameof(AbortWhen));
            }
        }

        var stages = StagesOrEmpty;
        var name = GetType().Name;
        if (!(StartLoad >= 0) || double.IsInfinity(StartLoad))
        {
            throw new ArgumentOutOfRangeException(nameof(StartLoad), StartLoad, $"{name}: the start {Unit} must be a number not below zero.");
        }

        for (var i = 0; i < stages.Count; i++)
        {
            if (stages[i].Duration <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException("Stages", stages[i].Duration, $"{name}.Stages[{i}].Duration must be positive.");
            }

            if (!(stages[i].Target >= 0) || double.IsInfinity(stages[i].Target))
            {
                throw new ArgumentOutOfRangeException("Stages", stages[i].Target, $"{name}.Stages[{i}].Target ({Unit}) must be a number not below zero.");
            }
        }
    }

    private protected static LoadStage[] CopyStages(IEnumerable<LoadStage> stages, string model)
    {
        ArgumentNullException.ThrowIfNull(stages);
        var copy = stages.ToArray();
        return copy.Length == 0 ? throw new ArgumentException($"A {model} needs at least one stage.", nameof(stages)) : copy;
    }
}

/// <summary>
/// Closed model: virtual users, each running the scenario in a loop (then thinking). Throughput follows the system's
/// speed: when it slows, users wait, so latencies measured here understate what an open stream of arrivals would
/// see. Use <see cref="OpenModel"/> for latency SLOs. A fixed number of users (<see cref="ClosedModel(int)"/>) or a
/// ramp through stages (<see cref="ClosedModel(IEnumerable{LoadStage})"/>): users join as the target rises and
/// leave, after their current iteration, as it falls.
/// </summary>
public sealed class ClosedModel : LoadModel
{
    private readonly int _users;
    private readonly LoadStage[]? _stages;

    /// <summary>Creates a model with a fixed number of users.</summary>
    /// <param name="virtualUsers">How many users run at once; at least 1.</param>
    public ClosedModel(int virtualUsers) => _users = virtualUsers;

    /// <summary>Creates a ramping model: the number of users follows the stages (from <see cref="StartUsers"/>), and the run lasts as long as they do.</summary>
    /// <param name="stages">The stages; targets are numbers of users (fractions round down).</param>
    public ClosedModel(IEnumerable<LoadStage> stages) => _stages = CopyStages(stages, nameof(ClosedModel));

    /// <summary>The most users that run at once: the fixed count, or the highest point of the stages.</summary>
    public int VirtualUsers => _stages is null ? _users : (int)Math.Floor(Math.Max(StartUsers, _stages.Max(s => s.Target)) + 1e-9);

    /// <summary>The stages of a ramping model; empty for a fixed number of users.</summary>
    public IReadOnlyList<LoadStage> Stages => _stages ?? [];

    /// <summary>Ramping model: the users at the start of the first stage. Default 0.</summary>
    public double StartUsers { get; init; }

    /// <summary>
    /// Stop after this long. A fixed-users model needs this or <see cref="Iterations"/>; a ramping model lasts as
    /// long as its stages, which this must then not contradict.
    /// </summary>
    public TimeSpan? Duration
    {
        get => _duration ?? (_stages is null ? null : TimeSpan.FromTicks(_stages.Sum(s => s.Duration.Ticks)));
        init => _duration = value;
    }

    /// <summary>Stop after this many iterations in all.</summary>
    public long? Iterations { get; init; }

    /// <summary>Pause of each user between iterations. Default none.</summary>
    public TimeSpan ThinkTime { get; init; }

    private TimeSpan? _duration;

    private protected override string Unit => "number of users";

    internal override IReadOnlyList<LoadStage> StagesOrEmpty => _stages ?? [];

    internal override double StartLoad => _stages is null ? _users : StartUsers;

    internal bool IsRamping => _stages is not null;

    internal override void Validate()
    {
        if (_stages is null && _users < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(VirtualUsers), _users, "ClosedModel.VirtualUsers must be at least 1.");
        }

        base.Validate();
        if (_stages is not null)
        {
            if (VirtualUsers < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(Stages), VirtualUsers, "ClosedModel.Stages never reach one virtual user.");
            }

            var total = TimeSpan.FromTicks(_stages.Sum(s => s.Duration.Ticks));
            if (_duration is { } set && set != total)
            {
                throw new ArgumentException($"ClosedModel.Duration ({set}) contradicts its stages, which last {total}; leave Duration unset for a ramping model.", nameof(Duration));
            }
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
