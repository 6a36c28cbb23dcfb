namespace PerfKit.Memory.Pooling;

/// <summary>Options of a <see cref="BoundedObjectPool{T}"/>.</summary>
public sealed class BoundedObjectPoolOptions
{
    /// <summary>A name for metrics, logs and reclaim reports; not empty. Default <c>objects</c>.</summary>
    public string Name { get; set; } = "objects";

    /// <summary>The most objects the pool keeps; returns past it are dropped (and disposed). Default twice the processor count.</summary>
    public int MaximumRetained { get; set; } = Environment.ProcessorCount * 2;

    /// <summary>An estimate of one object's size, used to report retained and trimmed bytes. Default 0 (unknown).</summary>
    public long EstimatedObjectSizeBytes { get; set; }
}
