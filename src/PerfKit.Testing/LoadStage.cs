namespace PerfKit.Testing;

/// <summary>
/// One stage of a ramping load: over <see cref="Duration"/>, the load moves in a straight line from where the
/// previous stage ended (or the model's start value) to <see cref="Target"/>. A stage whose target equals the
/// previous one holds the load steady. In an <see cref="OpenModel"/> the target is an arrival rate per second; in a
/// <see cref="ClosedModel"/> it is a number of virtual users.
/// </summary>
/// <param name="Duration">How long the stage lasts; positive.</param>
/// <param name="Target">The load at the end of the stage; not negative.</param>
public readonly record struct LoadStage(TimeSpan Duration, double Target)
{
    /// <summary>A stage that moves the load to <paramref name="target"/> over <paramref name="duration"/>.</summary>
    /// <param name="target">The load at the end of the stage.</param>
    /// <param name="duration">How long the ramp takes.</param>
    /// <returns>The stage.</returns>
    public static LoadStage RampTo(double target, TimeSpan duration) => new(duration, target);

    /// <summary>
    /// A stage that holds <paramref name="target"/> for <paramref name="duration"/>. Load never jumps: if the previous
    /// stage ended elsewhere, this one ramps to <paramref name="target"/> like <see cref="RampTo"/>.
    /// </summary>
    /// <param name="target">The load to hold, normally where the previous stage ended.</param>
    /// <param name="duration">How long to hold it.</param>
    /// <returns>The stage.</returns>
    public static LoadStage Hold(double target, TimeSpan duration) => new(duration, target);
}

/// <summary>The piecewise-linear load of a run: a start value, then stages. Internal arithmetic of both models.</summary>
internal sealed class LoadSchedule
{
    private readonly Segment[] _segments;

    public LoadSchedule(double start, IReadOnlyList<LoadStage> stages, TimeSpan warmUp, double warmUpLoad)
    {
        var segments = new List<Segment>(stages.Count + 1);
        var at = TimeSpan.Zero;
        if (warmUp > TimeSpan.Zero)
        {
            segments.Add(new Segment(at, warmUp, warmUpLoad, warmUpLoad));
            at += warmUp;
        }

        var from = start;
        foreach (var stage in stages)
        {
            segments.Add(new Segment(at, stage.Duration, from, stage.Target));
            at += stage.Duration;
            from = stage.Target;
        }

        _segments = [.. segments];
        End = at;
    }

    /// <summary>When the last stage ends, from the start of the run (warm-up included).</summary>
    public TimeSpan End { get; }

    /// <summary>The load at a moment: a rate, or a (fractional) number of users.</summary>
    public double LoadAt(TimeSpan at)
    {
        foreach (var s in _segments)
        {
            if (at < s.Start + s.Duration)
            {
                return LoadAtIn(s, at);
            }
        }

        return 0;
    }

    /// <summary>Whole virtual users active at a moment (closed model): the load rounded down, none after the end.</summary>
    public int UsersAt(TimeSpan at) => at >= End ? 0 : (int)Math.Floor(LoadAt(at) + 1e-9);

    /// <summary>The first moment at or after <paramref name="after"/> when at least <paramref name="users"/> users are active, or null if never again.</summary>
    public TimeSpan? FirstTimeWithUsers(int users, TimeSpan after)
    {
        foreach (var s in _segments)
        {
            var end = s.Start + s.Duration;
            if (end <= after)
            {
                continue;
            }

            var from = s.Start > after ? s.Start : after;
            if (Math.Floor(LoadAtIn(s, from) + 1e-9) >= users)
            {
                return from;
            }

            if (s.To > s.From && s.To + 1e-9 >= users)
            {
                // Rising: the load reaches `users` at s.Start + (users - From) / (To - From) * Duration.
                var ticks = (long)Math.Ceiling((users - s.From) / (s.To - s.From) * s.Duration.Ticks);
                var moment = s.Start + TimeSpan.FromTicks(ticks);
                if (moment < end)
                {
                    return moment > from ? moment : from;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Intended arrival times (open model): arrival <c>i</c> happens when the cumulative arrivals (the integral of the
    /// rate) reach <c>i</c>. Exact for constant and linearly ramping rates.
    /// </summary>
    public IEnumerable<TimeSpan> Arrivals()
    {
        double before = 0; // arrivals due before the current segment (fractional)
        long next = 0;
        foreach (var s in _segments)
        {
            var seconds = s.Duration.TotalSeconds;
            var slope = (s.To - s.From) / seconds; // rate change per second
            var after = before + ((s.From + s.To) / 2 * seconds);
            while (next < after - 1e-9)
            {
                var k = next - before; // arrivals into this segment
                double t;
                if (Math.Abs(slope) < 1e-12)
                {
                    t = k / s.From;
                }
                else
                {
                    // From * t + slope * t² / 2 = k
                    var disc = (s.From * s.From) + (2 * slope * k);
                    t = (-s.From + Math.Sqrt(Math.Max(0, disc))) / slope;
                }

                yield return s.Start + TimeSpan.FromTicks((long)Math.Round(t * TimeSpan.TicksPerSecond));
                next++;
            }

            before = after;
        }
    }

    private static double LoadAtIn(Segment s, TimeSpan at) => s.From + ((s.To - s.From) * (at - s.Start).Ticks / s.Duration.Ticks);

    private readonly record struct Segment(TimeSpan Start, TimeSpan Duration, double From, double To);
}
