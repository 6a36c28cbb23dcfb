namespace PerfKit.Caching.Batching;

/// <summary>Options of a <see cref="BatchLoader{TKey, TValue}"/>; validated when the loader is created (and at host start with DI).</summary>
public sealed class BatchLoaderOptions
{
    /// <summary>The default <see cref="Name"/>.</summary>
    public const string DefaultName = "default";

    /// <summary>The default <see cref="MaximumBatchSize"/>.</summary>
    public const int DefaultMaximumBatchSize = 100;

    /// <summary>The largest <see cref="MaximumBatchSize"/> accepted.</summary>
    public const int MaximumBatchSizeLimit = 100_000;

    /// <summary>The default <see cref="MaximumConcurrentBatches"/>.</summary>
    public const int DefaultMaximumConcurrentBatches = 4;

    /// <summary>The default <see cref="MaximumPendingKeys"/>.</summary>
    public const int DefaultMaximumPendingKeys = 100_000;

    /// <summary>The default <see cref="LingerTime"/>: 2 ms.</summary>
    public static readonly TimeSpan DefaultLingerTime = TimeSpan.FromMilliseconds(2);

    /// <summary>The longest <see cref="LingerTime"/> accepted: 1 s (a longer wait is a scheduler, not a batcher).</summary>
    public static readonly TimeSpan MaximumLingerTime = TimeSpan.FromSeconds(1);

    /// <summary>The default <see cref="BatchTimeout"/>: 30 s.</summary>
    public static readonly TimeSpan DefaultBatchTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The loader's name in telemetry (the <c>perfkit.batch.name</c> tag) and logs. Default <c>default</c>.</summary>
    public string Name { get; set; } = DefaultName;

    /// <summary>
    /// At most this many distinct keys go to one call of the batch function; a batch that reaches it is sent at once,
    /// without waiting for <see cref="LingerTime"/>. Between 1 and 100,000; default 100.
    /// </summary>
    public int MaximumBatchSize { get; set; } = DefaultMaximumBatchSize;

    /// <summary>
    /// How long the first key of a batch waits for others before the batch is sent (on the loader's
    /// <see cref="TimeProvider"/>). <see cref="TimeSpan.Zero"/> sends on the next thread-pool turn, collecting only the
    /// keys asked for in the same turn. Between 0 and 1 s; default 2 ms.
    /// </summary>
    public TimeSpan LingerTime { get; set; } = DefaultLingerTime;

    /// <summary>At most this many calls of the batch function run at once; further batches wait their turn. At least 1; default 4.</summary>
    public int MaximumConcurrentBatches { get; set; } = DefaultMaximumConcurrentBatches;

    /// <summary>
    /// At most this many distinct keys wait or load at once; a load of a further key fails at once with a
    /// <see cref="BatchLoadException"/> naming this option (and is counted), rather than queueing without bound. At least
    /// <see cref="MaximumBatchSize"/>; default 100,000.
    /// </summary>
    public int MaximumPendingKeys { get; set; } = DefaultMaximumPendingKeys;

    /// <summary>
    /// How long a batch may take from the moment it is sent, its wait for a free call slot included: the function's
    /// token is cancelled then, and the batch's callers get a <see cref="BatchLoadException"/> with a
    /// <see cref="TimeoutException"/> inside whether or not the function stops. A call that ignores its token keeps its
    /// slot until it really ends, so <see cref="MaximumConcurrentBatches"/> also bounds stuck calls. Positive (not
    /// infinite); default 30 s.
    /// </summary>
    public TimeSpan BatchTimeout { get; set; } = DefaultBatchTimeout;
}
