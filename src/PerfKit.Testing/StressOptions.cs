namespace PerfKit.Testing;

/// <summary>What a stress search looks for, and how it steps the load.</summary>
public sealed class StressOptions
{
    /// <summary>Creates the options.</summary>
    /// <param name="startRate">The first step's arrival rate per second; positive.</param>
    /// <param name="sloLatency">The latency SLO: a step is sustained while its <see cref="SloPercentile"/> stays below this.</param>
    public StressOptions(double startRate, TimeSpan sloLatency)
    {
        StartRate = startRate;
        SloLatency = sloLatency;
    }

    /// <summary>The first step's arrival rate per second.</summary>
    public double StartRate { get; }

    /// <summary>The latency SLO.</summary>
    public TimeSpan SloLatency { get; }

    /// <summary>The percentile the SLO applies to. Default 99.</summary>
    public double SloPercentile { get; init; } = 99;

    /// <summary>The highest acceptable error rate of a sustained step, inclusive. Default 0.01 (1%).</summary>
    public double MaxErrorRate { get; init; } = 0.01;

    /// <summary>Each step's rate is the previous one's times this while every step holds. Default 2.</summary>
    public double StepFactor { get; init; } = 2;

    /// <summary>How long each step applies its rate (measured). Default 10 s.</summary>
    public TimeSpan StepDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Unmeasured load before each step, at its rate. Default none.</summary>
    public TimeSpan StepWarmUp { get; init; }

    /// <summary>No step goes above this rate; reaching it with the SLO held ends the search. Default 1,000,000.</summary>
    public double MaxRate { get; init; } = 1_000_000;

    /// <summary>
    /// Steps between the last sustained and the first broken rate, halving the gap each time, once the doubling has
    /// overshot. Default 3 (the knee is then known to within an eighth of the overshooting step).
    /// </summary>
    public int Refinements { get; init; } = 3;

    /// <summary>
    /// The open model's <see cref="OpenModel.MaxConcurrency"/> for each step: a step that reaches it drops arrivals and
    /// counts as overloaded (not sustained). Keep it below what the client can hold open (sockets, file handles).
    /// Default 1,000.
    /// </summary>
    public int MaxConcurrency { get; init; } = 1_000;

    /// <summary>The open model's <see cref="OpenModel.MaxSchedulerLag"/> for each step. Default 50 ms.</summary>
    public TimeSpan MaxSchedulerLag { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a step's iterations may run past its end before they are cut off (see <see cref="LoadModel.GracefulStop"/>). Default 5 s.</summary>
    public TimeSpan GracefulStop { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether a step stops as soon as it is clearly broken (its SLO percentile or error rate over the limit after a
    /// second's worth of arrivals), instead of loading an overloaded system for the whole step. Default true.
    /// </summary>
    public bool AbortBrokenSteps { get; init; } = true;

    internal void Validate()
    {
        static void Positive(double value, string name)
        {
            if (!(value > 0) || double.IsInfinity(value))
            {
                throw new ArgumentOutOfRangeException(name, value, $"StressOptions.{name} must be a positive number.");
            }
        }

        Positive(StartRate, nameof(StartRate));
        Positive(MaxRate, nameof(MaxRate));
        if (SloLatency <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(SloLatency), SloLatency, "StressOptions.SloLatency must be positive.");
        }

        if (!(SloPercentile > 0 && SloPercentile <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(SloPercentile), SloPercentile, "StressOptions.SloPercentile must be above 0 and at most 100.");
        }

        if (!(MaxErrorRate >= 0 && MaxErrorRate < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxErrorRate), MaxErrorRate, "StressOptions.MaxErrorRate must be at least 0 and below 1.");
        }

        if (!(StepFactor > 1) || double.IsInfinity(StepFactor))
        {
            throw new ArgumentOutOfRangeException(nameof(StepFactor), StepFactor, "StressOptions.StepFactor must be above 1.");
        }

        if (StepDuration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(StepDuration), StepDuration, "StressOptions.StepDuration must be positive.");
        }

        if (StepWarmUp < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(StepWarmUp), StepWarmUp, "StressOptions.StepWarmUp must not be negative.");
        }

        if (GracefulStop < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(GracefulStop), GracefulStop, "StressOptions.GracefulStop must not be negative.");
        }

        if (Refinements is < 0 or > 20)
        {
            throw new ArgumentOutOfRangeException(nameof(Refinements), Refinements, "StressOptions.Refinements must be from 0 to 20.");
        }

        if (MaxConcurrency < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrency), MaxConcurrency, "StressOptions.MaxConcurrency must be at least 1.");
        }

        if (StartRate > MaxRate)
        {
            throw new ArgumentOutOfRangeException(nameof(StartRate), StartRate, "StressOptions.StartRate must not be above MaxRate.");
        }
    }
}
