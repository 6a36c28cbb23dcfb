namespace PerfKit.Caching.Internal;

/// <summary>What the pending-keys gauge reads from a live batch loader of any key and value types.</summary>
internal interface IBatchLoaderGauge
{
    string Name { get; }

    int PendingKeys { get; }
}
