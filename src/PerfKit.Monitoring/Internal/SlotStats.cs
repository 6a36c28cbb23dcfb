namespace PerfKit.Monitoring.Internal;

/// <summary>What one interval of a series holds besides its buckets.</summary>
internal struct SlotStats
{
    public long Count;
    public double Sum;
    public double Min;
    public double Max;
    public double First;
    public double Last;

    // Histograms: the range of buckets that hold counts, so windows are summed over that range only.
    public int LowIndex;
    public int HighIndex;
}
