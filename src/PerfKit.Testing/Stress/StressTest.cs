using System.Globalization;
using System.Text;
using PerfKit.Testing.Load;

namespace PerfKit.Testing.Stress;

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

/// <summary>The outcome of a stress search: the knee (highest sustained rate) and every step as evidence.</summary>
public sealed class StressResult
{
    internal StressResult(string name, StressOptions options, IReadOnlyList<StressStep> steps, string stoppedBecause)
    {
        Name = name;
        Options = options;
        Steps = steps;
        StoppedBecause = stoppedBecause;
        KneeStep = steps.Where(s => s.Sustained).MaxBy(s => s.Rate);
    }

    /// <summary>The search's name.</summary>
    public string Name { get; }

    /// <summary>The options it ran with.</summary>
    public StressOptions Options { get; }

    /// <summary>Every step, in the order run.</summary>
    public IReadOnlyList<StressStep> Steps { get; }

    /// <summary>The highest sustained step, or <see langword="null"/> if even the first was not sustained.</summary>
    public StressStep? KneeStep { get; }

    /// <summary>The knee: the highest arrival rate per second sustained within the SLO (0 if none was).</summary>
    public double Knee => KneeStep?.Rate ?? 0;

    /// <summary>
    /// Whether the search ended at a step whose <em>generator</em> could not keep up (an invalid run): the knee is
    /// then a lower bound set by the load generator, not the system.
    /// </summary>
    public bool LimitedByGenerator => Steps.Any(s => !s.Sustained && !s.Run.IsValid && s.Run.Dropped == 0);

    /// <summary>Why the search ended.</summary>
    public string StoppedBecause { get; }

    /// <summary>A Markdown summary: the knee, then one row per step.</summary>
    /// <returns>The summary.</returns>
    public override string ToString()
    {
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Stress search '{Name}': knee {Knee:N0}/s (p{Options.SloPercentile} < {Options.SloLatency.TotalMilliseconds:0.###} ms, errors ≤ {Options.MaxErrorRate * 100:0.##}%); {StoppedBecause}")
            .AppendLine()
            .AppendLine("| rate (/s) | sustained | p50 (ms) | p99 (ms) | errors | throughput (/s) | evidence |")
            .AppendLine("|---:|---|---:|---:|---:|---:|---|");
        foreach (var step in Steps)
        {
            var run = step.Run;
            text.AppendLine(CultureInfo.InvariantCulture, $"| {step.Rate:N0} | {(step.Sustained ? "yes" : "**no**")} | {run.Latency.Percentile(50).TotalMilliseconds:0.###} | {run.Latency.Percentile(99).TotalMilliseconds:0.###} | {run.ErrorRate * 100:0.##}% | {run.Throughput:N0} | {step.Reason.Replace("|", "\\|", StringComparison.Ordinal)} |");
        }

        return text.ToString();
    }
}

/// <summary>
/// Stress search: steps an open-model load up (by <see cref="StressOptions.StepFactor"/>) until the SLO or the error
/// budget breaks, then narrows the gap between the last sustained and the first broken rate, and reports the knee —
/// the highest sustainable rate — with every step as evidence.
/// </summary>
public static class StressTest
{
    /// <summary>Runs the search.</summary>
    /// <param name="name">The search's name, for reports.</param>
    /// <param name="scenario">One iteration, as for <see cref="LoadTest.RunAsync"/>.</param>
    /// <param name="options">The SLO and the stepping; bad values throw naming the option.</param>
    /// <param name="clock">The clock; default the system clock.</param>
    /// <param name="cancellationToken">Stops the search; the steps run so far are reported.</param>
    /// <returns>The knee and the steps.</returns>
    public static async Task<StressResult> FindKneeAsync(string name, Func<ScenarioContext, ValueTask> scenario, StressOptions options, LoadClock? clock = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        clock ??= LoadClock.System();

        var steps = new List<StressStep>();
        double? sustained = null;
        double? broken = null;
        var rate = options.StartRate;
        var refinements = 0;
        string stopped;
        while (true)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                stopped = "cancelled";
                break;
            }

            var step = await RunStepAsync(name, scenario, options, rate, clock, cancellationToken).ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested)
            {
                stopped = "cancelled";
                break;
            }

            steps.Add(step);
            if (step.Sustained)
            {
                sustained = rate;
            }
            else
            {
                broken = rate;
                if (!step.Run.IsValid && step.Run.Dropped == 0)
                {
                    stopped = string.Create(CultureInfo.InvariantCulture, $"the load generator could not keep up at {rate:N0}/s, so the knee is a lower bound");
                    break;
                }
            }

            if (broken is null)
            {
                if (rate >= options.MaxRate)
                {
                    stopped = string.Create(CultureInfo.InvariantCulture, $"MaxRate {options.MaxRate:N0}/s reached with the SLO held");
                    break;
                }

                rate = Math.Min(options.MaxRate, rate * options.StepFactor);
                continue;
            }

            if (sustained is null)
            {
                stopped = "the first step already broke the SLO";
                break;
            }

            // Bisection between the highest sustained and the lowest broken rate.
            if (refinements++ >= options.Refinements)
            {
                stopped = string.Create(CultureInfo.InvariantCulture, $"the SLO broke at {broken:N0}/s; {options.Refinements} refinement step(s) narrowed the knee");
                break;
            }

            rate = (sustained.Value + broken.Value) / 2;
        }

        return new StressResult(name, options, steps, stopped);
    }

    private static async Task<StressStep> RunStepAsync(string name, Func<ScenarioContext, ValueTask> scenario, StressOptions options, double rate, LoadClock clock, CancellationToken cancellationToken)
    {
        var abort = options.AbortBrokenSteps
            ? new[]
            {
                LoadThreshold.PercentileAbove(options.SloPercentile, options.SloLatency, minIterations: Math.Max(100, (long)rate)),
                LoadThreshold.ErrorRateAbove(options.MaxErrorRate, minIterations: Math.Max(100, (long)rate)),
            }
            : [];
        var model = new OpenModel(rate, options.StepDuration)
        {
            WarmUp = options.StepWarmUp,
            MaxConcurrency = options.MaxConcurrency,
            MaxSchedulerLag = options.MaxSchedulerLag,
            GracefulStop = options.GracefulStop,
            AbortWhen = abort,
        };
        var run = await LoadTest.RunAsync(string.Create(CultureInfo.InvariantCulture, $"{name} @ {rate:0.##}/s"), scenario, model, clock, cancellationToken).ConfigureAwait(false);
        var latency = run.Latency.Percentile(options.SloPercentile);
        string reason;
        bool ok;
        if (run.Dropped > 0)
        {
            // The system fell so far behind that MaxConcurrency iterations were in flight: overload, not a generator limit.
            (ok, reason) = (false, string.Create(CultureInfo.InvariantCulture, $"overloaded: {run.Dropped:N0} arrivals dropped with {options.MaxConcurrency:N0} iterations in flight"));
        }
        else if (!run.IsValid)
        {
            (ok, reason) = (false, "invalid run (generator): " + run.InvalidReason);
        }
        else if (run.Iterations == 0)
        {
            (ok, reason) = (false, "no iteration completed");
        }
        else if (run.WasAborted)
        {
            (ok, reason) = (false, "stopped early: " + run.AbortedBecause);
        }
        else if (latency >= options.SloLatency)
        {
            (ok, reason) = (false, string.Create(CultureInfo.InvariantCulture, $"p{options.SloPercentile} {latency.TotalMilliseconds:0.###} ms ≥ {options.SloLatency.TotalMilliseconds:0.###} ms"));
        }
        else if (run.ErrorRate > options.MaxErrorRate)
        {
            (ok, reason) = (false, string.Create(CultureInfo.InvariantCulture, $"errors {run.ErrorRate * 100:0.##}% > {options.MaxErrorRate * 100:0.##}%"));
        }
        else
        {
            (ok, reason) = (true, string.Create(CultureInfo.InvariantCulture, $"p{options.SloPercentile} {latency.TotalMilliseconds:0.###} ms, errors {run.ErrorRate * 100:0.##}%"));
        }

        return new StressStep(rate, ok, reason, run);
    }
}
