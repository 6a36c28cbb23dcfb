namespace PerfKit.Testing;

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
    /// Thresholds that stop the run early once broken, so a run that is already failing its SLO does not keep
    /// hammering the system. They are checked on the figures so far each time the first iteration begun in a new whole
    /// second of the measured run is recorded, so not during the first second (a shorter run is never aborted; its
    /// result can still be asserted). A broken one stops the run at once: no iteration starts after it, and iterations
    /// still running have their token cancelled then (those that end on it are not measured; <see cref="GracefulStop"/>
    /// bounds the wait for those that ignore it). The result says which one stopped it
    /// (<see cref="LoadResult.AbortedBecause"/>). Default none.
    /// </summary>
    public IReadOnlyList<LoadThreshold> AbortWhen { get; init; } = [];

    /// <summary>
    /// How long iterations still running when the run reaches its limit (its duration, its last arrival or its
    /// iteration count) may go on before their token is cancelled and the run stops waiting for them, so a run always
    /// ends even if the system hangs and the scenario ignores its token. After a broken <see cref="AbortWhen"/>
    /// threshold the token is cancelled at once, and this only bounds the wait for iterations that ignore it. A cut-off
    /// iteration is a failure, <c>interrupted at graceful stop</c>, and its latency so far is recorded (a lower bound); a
    /// task given up on is observed, never waited for.
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
