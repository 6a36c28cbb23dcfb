using Microsoft.Extensions.Options;

namespace PerfKit.Streaming;

/// <summary>
/// Creates pipelines and directory sources with the services' clock, logs and meter, and the
/// <see cref="StreamingPipelineOptions"/> configured with <c>AddPerfKitStreaming</c> (validated at host start).
/// Registered as a singleton by <c>AddPerfKitStreaming</c>.
/// </summary>
public sealed class StreamingPipelineFactory
{
    private readonly IOptionsMonitor<StreamingPipelineOptions> _options;
    private readonly PerfKitStreamingDependencies _dependencies;

    /// <summary>Creates the factory.</summary>
    /// <param name="options">The pipeline options.</param>
    /// <param name="dependencies">The clock, logs, meter and checkpoint store for the pipelines; null for the defaults.</param>
    public StreamingPipelineFactory(IOptionsMonitor<StreamingPipelineOptions> options, PerfKitStreamingDependencies? dependencies = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _dependencies = dependencies ?? new PerfKitStreamingDependencies();
    }

    /// <summary>The configured options (the unnamed <see cref="StreamingPipelineOptions"/>).</summary>
    public StreamingPipelineOptions Options => _options.CurrentValue;

    /// <summary>Creates a pipeline with the configured options.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="TResult">The processor's result type.</typeparam>
    /// <param name="processor">Processes one item.</param>
    /// <param name="sink">Receives the results in batches.</param>
    /// <returns>The pipeline; dispose it when done.</returns>
    public StreamingPipeline<TItem, TResult> Create<TItem, TResult>(
        Func<TItem, StreamingItemContext, ValueTask<TResult>> processor,
        Func<IReadOnlyList<StreamingResult<TItem, TResult>>, CancellationToken, ValueTask> sink) =>
        new(processor, sink, _options.CurrentValue, _dependencies);

    /// <summary>Creates a directory source.</summary>
    /// <param name="options">The source's options.</param>
    /// <returns>The source.</returns>
    public DirectorySource CreateDirectorySource(DirectorySourceOptions options) => new(options, _dependencies);
}
