using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace PerfKit.Streaming;

/// <summary>
/// What PerfKit.Streaming's types use besides their options when they are created without DI; every member is
/// optional. One object rather than a list of optional constructor parameters, so that a new dependency never changes
/// a constructor.
/// </summary>
public sealed class PerfKitStreamingDependencies
{
    /// <summary>The clock of progress throttling, batching by time, retries and rates; default <see cref="System.TimeProvider.System"/>.</summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>Where logs go; default none.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Creates the <c>PerfKit.Streaming</c> meter; default a meter shared by the objects created without one.</summary>
    public IMeterFactory? MeterFactory { get; init; }

    /// <summary>
    /// Where a <see cref="StreamingPipeline{TItem, TResult}"/> keeps its checkpoint; default a <see cref="FileCheckpointStore"/>
    /// at <see cref="StreamingPipelineOptions.CheckpointPath"/> when that is set, else none. Not used by <see cref="DirectorySource"/>.
    /// </summary>
    public ICheckpointStore? CheckpointStore { get; init; }
}
