using System.Globalization;
using PerfKit.Shared;

namespace PerfKit.Testing;

/// <summary>What <see cref="PeakMemory"/> measured of one operation.</summary>
public sealed class PeakMemoryResult
{
    internal PeakMemoryResult(long baseline, long peak, long retained, long allocated, int gen0, int gen1, int gen2, int samples)
    {
        BaselineBytes = baseline;
        PeakBytes = peak;
        RetainedBytes = retained;
        AllocatedBytes = allocated;
        Gen0Collections = gen0;
        Gen1Collections = gen1;
        Gen2Collections = gen2;
        Samples = samples;
    }

    /// <summary>The managed heap before the operation, after full collections.</summary>
    public long BaselineBytes { get; }

    /// <summary>The highest managed heap size seen while the operation ran (live objects plus garbage not yet collected).</summary>
    public long PeakBytes { get; }

    /// <summary>The peak above the baseline: the operation's peak managed memory.</summary>
    public long PeakAboveBaselineBytes => Math.Max(0, PeakBytes - BaselineBytes);

    /// <summary>What the operation left on the heap: after full collections, above the baseline (may be negative).</summary>
    public long RetainedBytes { get; }

    /// <summary>Bytes allocated by the process while the operation ran.</summary>
    public long AllocatedBytes { get; }

    /// <summary>Generation-0 collections during the operation.</summary>
    public int Gen0Collections { get; }

    /// <summary>Generation-1 collections during the operation.</summary>
    public int Gen1Collections { get; }

    /// <summary>Generation-2 collections during the operation.</summary>
    public int Gen2Collections { get; }

    /// <summary>How many heap samples were taken (more samples, finer peak).</summary>
    public int Samples { get; }

    /// <summary>A one-line summary in MiB.</summary>
    /// <returns>The summary.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"peak {Units.MiB(PeakAboveBaselineBytes)} MiB above a {Units.MiB(BaselineBytes)} MiB baseline, retained {Units.MiB(RetainedBytes)} MiB, allocated {Units.MiB(AllocatedBytes)} MiB, GCs {Gen0Collections}/{Gen1Collections}/{Gen2Collections} (gen0/1/2), {Samples} samples");
}
