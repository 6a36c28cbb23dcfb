namespace PerfKit.Memory.Pooling;

/// <summary>A point-in-time view of a pool's counters. Counters only grow; <see cref="RetainedBytes"/> is current.</summary>
public readonly struct PoolStatistics
{
    /// <summary>Creates statistics.</summary>
    /// <param name="rents">Rents served.</param>
    /// <param name="misses">Rents that had to allocate.</param>
    /// <param name="returns">Returns received.</param>
    /// <param name="dropped">Returns dropped because the pool was full or at its byte cap.</param>
    /// <param name="trims">Trims done (on pressure or by hand).</param>
    /// <param name="trimmedBytes">Bytes released by trims.</param>
    /// <param name="retainedBytes">Bytes the pool holds now.</param>
    public PoolStatistics(long rents, long misses, long returns, long dropped, long trims, long trimmedBytes, long retainedBytes)
    {
        Rents = rents;
        Misses = misses;
        Returns = returns;
        Dropped = dropped;
        Trims = trims;
        TrimmedBytes = trimmedBytes;
        RetainedBytes = retainedBytes;
    }

    /// <summary>Rents served.</summary>
    public long Rents { get; }

    /// <summary>Rents that had to allocate.</summary>
    public long Misses { get; }

    /// <summary>Returns received.</summary>
    public long Returns { get; }

    /// <summary>Returns dropped because the pool was full or at its byte cap.</summary>
    public long Dropped { get; }

    /// <summary>Trims done.</summary>
    public long Trims { get; }

    /// <summary>Bytes released by trims.</summary>
    public long TrimmedBytes { get; }

    /// <summary>Bytes the pool holds now.</summary>
    public long RetainedBytes { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"rents {Rents:N0}, misses {Misses:N0}, returns {Returns:N0}, dropped {Dropped:N0}, trims {Trims:N0} ({TrimmedBytes:N0} B), retained {RetainedBytes:N0} B";
}
