using System.Globalization;

namespace PerfKit.Testing;

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
