namespace PerfKit.Memory;

/// <summary>
/// Options of the memory budget and its pressure monitor. Set <see cref="BudgetBytes"/>, <see cref="BudgetFraction"/>,
/// or both (the smaller wins); with neither, the budget is <see cref="DefaultBudgetFraction"/> of the memory
/// available to the process (the container limit where there is one).
/// </summary>
public sealed class MemoryBudgetOptions
{
    /// <summary>The fraction of available memory used as the budget when neither budget option is set.</summary>
    public const double DefaultBudgetFraction = 0.75;

    /// <summary>Default of <see cref="ElevatedThreshold"/>.</summary>
    public const double DefaultElevatedThreshold = 0.70;

    /// <summary>Default of <see cref="HighThreshold"/>.</summary>
    public const double DefaultHighThreshold = 0.85;

    /// <summary>Default of <see cref="CriticalThreshold"/>.</summary>
    public const double DefaultCriticalThreshold = 0.95;

    /// <summary>Default of <see cref="Hysteresis"/>.</summary>
    public const double DefaultHysteresis = 0.05;

    /// <summary>Default of <see cref="ReclaimTargetFraction"/>.</summary>
    public const double DefaultReclaimTargetFraction = 0.70;

    /// <summary>The budget in bytes. Must be positive when set.</summary>
    public long? BudgetBytes { get; set; }

    /// <summary>The budget as a fraction of the container limit (or of the memory available to the process), in (0, 1].</summary>
    public double? BudgetFraction { get; set; }

    /// <summary>Which measurement counts against the budget. Default: <see cref="MemoryUsageSource.WorkingSet"/>.</summary>
    public MemoryUsageSource UsageSource { get; set; } = MemoryUsageSource.WorkingSet;

    /// <summary>Fraction of the budget at which pressure becomes <see cref="MemoryPressureLevel.Elevated"/>, from 0.01 to 2. Default 0.70.</summary>
    public double ElevatedThreshold { get; set; } = DefaultElevatedThreshold;

    /// <summary>Fraction of the budget at which pressure becomes <see cref="MemoryPressureLevel.High"/>, from 0.01 to 2. Default 0.85.</summary>
    public double HighThreshold { get; set; } = DefaultHighThreshold;

    /// <summary>Fraction of the budget at which pressure becomes <see cref="MemoryPressureLevel.Critical"/>, from 0.01 to 2. Default 0.95.</summary>
    public double CriticalThreshold { get; set; } = DefaultCriticalThreshold;

    /// <summary>
    /// How far (as a fraction of the budget) usage must fall below a level's threshold before the level drops,
    /// so that usage hovering at a threshold does not flap; from 0 to 0.5. Default 0.05.
    /// </summary>
    public double Hysteresis { get; set; } = DefaultHysteresis;

    /// <summary>How often the monitor samples. Gen2 collections trigger a sample too. Default 1 second.</summary>
    public TimeSpan SamplingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether the monitor reclaims by itself when pressure reaches <see cref="MemoryPressureLevel.High"/>. Default true.</summary>
    public bool AutomaticReclaim { get; set; } = true;

    /// <summary>The target of an automatic reclaim, as a fraction of the budget, from 0.01 to 1 and below <see cref="HighThreshold"/>. Default 0.70.</summary>
    public double ReclaimTargetFraction { get; set; } = DefaultReclaimTargetFraction;

    /// <summary>Default of <see cref="MinimumReclaimInterval"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultMinimumReclaimInterval = TimeSpan.FromSeconds(30);

    /// <summary>Default of <see cref="MaximumReclaimInterval"/>: 10 minutes.</summary>
    public static readonly TimeSpan DefaultMaximumReclaimInterval = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The least time between two automatic reclaims: at least 1 second (each reclaim runs full, blocking
    /// collections), at most 1 day. Default 30 seconds. After an automatic reclaim that misses its target the
    /// interval doubles, up to <see cref="MaximumReclaimInterval"/>; it comes back to this value when a reclaim
    /// reaches its target or pressure falls below <see cref="MemoryPressureLevel.High"/>.
    /// </summary>
    public TimeSpan MinimumReclaimInterval { get; set; } = DefaultMinimumReclaimInterval;

    /// <summary>
    /// The cap of the backoff of automatic reclaims that miss their target: at least <see cref="MinimumReclaimInterval"/>,
    /// at most 1 day. Default 10 minutes.
    /// </summary>
    public TimeSpan MaximumReclaimInterval { get; set; } = DefaultMaximumReclaimInterval;

    /// <summary>How long one responder may take before reclaim moves on to the next. Default 10 seconds.</summary>
    public TimeSpan ResponderTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether reclaim ends, when still above target, with a compacting collection that also compacts the large object heap. Default true.</summary>
    public bool CompactAsLastResort { get; set; } = true;

    /// <summary>
    /// Whether to make the budget a hard limit of the GC heap at start (<c>GCHeapHardLimit</c> applied with
    /// <see cref="GC.RefreshMemoryLimit"/>). Allocations past it throw <see cref="OutOfMemoryException"/>. Default false.
    /// </summary>
    public bool ApplyHeapHardLimit { get; set; }
}
