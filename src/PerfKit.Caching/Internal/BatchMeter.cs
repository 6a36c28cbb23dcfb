namespace PerfKit.Caching.Internal;

/// <summary>One batch loader's view of the shared instruments: adds its name tag to every measurement.</summary>
internal readonly struct BatchMeter(CacheMetrics metrics, string loaderName)
{
    private readonly KeyValuePair<string, object?> _loader = new(PerfKitCachingDiagnostics.Tags.BatchLoader, loaderName);

    public CacheMetrics Instruments => metrics;

    public void Keys(string outcome, long count = 1)
    {
        if (metrics.BatchKeys.Enabled)
        {
            metrics.BatchKeys.Add(count, _loader, new("outcome", outcome));
        }
    }

    public void Batch(int size, TimeSpan duration, string result)
    {
        if (metrics.BatchSize.Enabled)
        {
            metrics.BatchSize.Record(size, _loader, new("result", result));
        }

        if (metrics.BatchDuration.Enabled)
        {
            metrics.BatchDuration.Record(duration.TotalSeconds, _loader, new("result", result));
        }
    }

    /// <summary>How long a batch's first key waited before the batch was sent; <c>trigger</c>: full or linger.</summary>
    public void Linger(TimeSpan waited, string trigger)
    {
        if (metrics.BatchLinger.Enabled)
        {
            metrics.BatchLinger.Record(waited.TotalSeconds, _loader, new("trigger", trigger));
        }
    }
}
