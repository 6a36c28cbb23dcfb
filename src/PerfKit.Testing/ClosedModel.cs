namespace PerfKit.Testing;

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
