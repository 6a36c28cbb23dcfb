using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace PerfKit.Memory;

/// <summary>
/// What PerfKit.Memory's types use besides their options when they are created without DI (<see cref="MemoryBudget"/>,
/// <see cref="Resources.LazyResource{T}"/>, <see cref="Pooling.BoundedArrayPool{T}"/>, <see cref="Pooling.BoundedObjectPool{T}"/>);
/// every member is optional. One object rather than a list of optional constructor parameters, so that a new
/// dependency never changes a constructor.
/// </summary>
public sealed class PerfKitMemoryDependencies
{
    /// <summary>The clock of timers and timings; default <see cref="System.TimeProvider.System"/>. Pools do not use it.</summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>Where logs go; default none. Pools do not log.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Creates the <c>PerfKit.Memory</c> meter; default a meter shared by the objects created without one.</summary>
    public IMeterFactory? MeterFactory { get; init; }

    /// <summary>Where a <see cref="MemoryBudget"/> reads memory; default <see cref="RuntimeMemoryProbe.Instance"/>. Only the budget and <see cref="MemorySnapshot.Capture"/> use it.</summary>
    public IMemoryProbe? MemoryProbe { get; init; }
}
