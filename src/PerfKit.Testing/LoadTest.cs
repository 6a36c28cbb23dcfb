using System.Globalization;
using System.Runtime.InteropServices;

namespace PerfKit.Testing;

/// <summary>Runs a scenario under a load model, inside any test, and measures it in constant memory.</summary>
public static partial class LoadTest
{
    /// <summary>Runs <paramref name="scenario"/> under <paramref name="model"/> until the model's limit or cancellation.</summary>
    /// <param name="name">The run's name, for reports.</param>
    /// <param name="scenario">One iteration. Throwing fails the iteration (counted by exception type, with its first few messages in <see cref="LoadResult.FailureMessages"/>), never the run; <see cref="ScenarioContext.Fail"/> fails it with a reason. In the open model each arrival starts on a thread-pool thread, so work before the first await does not hold up later arrivals (with a <see cref="VirtualLoadClock"/> arrivals run inline, deterministically).</param>
    /// <param name="model">A <see cref="ClosedModel"/> or an <see cref="OpenModel"/>; bad values throw naming the property.</param>
    /// <param name="clock">The clock; default the system clock (pass a <see cref="VirtualLoadClock"/> for deterministic generator tests).</param>
    /// <param name="cancellationToken">Stops the run at once, without waiting for iterations still running (they are not measured); what ran is reported.</param>
    /// <returns>The result.</returns>
    public static Task<LoadResult> RunAsync(string name, Func<ScenarioContext, ValueTask> scenario, LoadModel model, LoadClock? clock = null, CancellationToken cancellationToken = default) =>
        RunOnProcessorsAsync(name, scenario, model, clock, Environment.ProcessorCount, cancellationToken);

    /// <summary>As the public overload, with the processor count that sizes the recorder given (tests force a large machine's).</summary>
    internal static Task<LoadResult> RunOnProcessorsAsync(string name, Func<ScenarioContext, ValueTask> scenario, LoadModel model, LoadClock? clock, int processorCount, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(model);
        model.Validate();
        clock ??= LoadClock.System();
        return model switch
        {
            ClosedModel closed => RunClosedAsync(name, scenario, closed, clock, processorCount, cancellationToken),
            OpenModel open => RunOpenAsync(name, scenario, open, clock, processorCount, cancellationToken),
            _ => throw new ArgumentException($"Unknown load model {model.GetType().Name}.", nameof(model)),
        };
    }

    private const string Canceled = "\0canceled";

    /// <summary>The failure reason of iterations still running <see cref="LoadModel.GracefulStop"/> after the run's limit.</summary>
    internal const string Interrupted = "interrupted at graceful stop";

    private static string Describe(double start, IReadOnlyList<LoadStage> stages) =>
        string.Join("→", stages.Select(st => st.Target).Prepend(start).Select(v => v.ToString("0.##", CultureInfo.InvariantCulture)));

    /// <summary>The outcome of an iteration that threw <paramref name="exception"/>.</summary>
    private static Outcome Failed(Exception exception, ScenarioContext context, GracefulStop graceful) =>
        exception is OperationCanceledException && context.CancellationToken.IsCancellationRequested
            ? new Outcome(graceful.Fired ? Interrupted : Canceled, null) // cut off by the graceful stop: a failure whose latency (so far) is recorded as a lower bound
            : new Outcome(exception.GetType().Name, MessageOf(exception)); // the message is kept (a few per type) so that a report says why; Message is only read on failure

    // An exception's Message is user code too: one that throws must fail its iteration, not end the virtual user.
    private static string MessageOf(Exception exception)
    {
        try
        {
            return exception.Message;
        }
#pragma warning disable CA1031 // Whatever the getter throws, the iteration's failure is still counted by the exception's type.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return $"(its Message threw {e.GetType().Name})";
        }
    }

    /// <summary>A counter alone on its cache lines (64 bytes either side), so that increments from every core do not evict its neighbours.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private struct PaddedCounter
    {
        [FieldOffset(64)]
        public long Value;
    }

    /// <summary>How an iteration ended: null reason for a pass; the exception message when it threw.</summary>
    private readonly record struct Outcome(string? Reason, string? Message);

    // Sleep until the spin window, then yield the core in a loop until the moment: timer wake-ups are ~1 ms coarse.
    private static async ValueTask<bool> SpinUntilAsync(LoadClock clock, TimeSpan until, TimeSpan window, CancellationToken cancellationToken)
    {
        // Sleep whole milliseconds, rounded down, to the start of the window (timers wake late, never early enough to matter here).
        var now = clock.Elapsed;
        var sleep = Math.Floor((until - window - now).TotalMilliseconds);
        if (sleep >= 1 && !await TryWaitAsync(clock, now + TimeSpan.FromMilliseconds(sleep), cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        while (clock.Elapsed < until)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            Thread.Yield();
        }

        return true;
    }

    private static async ValueTask<bool> TryWaitAsync(LoadClock clock, TimeSpan until, CancellationToken cancellationToken)
    {
        try
        {
            await clock.WaitUntilAsync(until, cancellationToken).ConfigureAwait(false);
            return !cancellationToken.IsCancellationRequested;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
