using System.Diagnostics;

namespace PerfKit.Caching.NodeHost;

/// <summary>Milliseconds since the node started: one time line for its logs, its slow calls and the test's events.</summary>
internal static class NodeClock
{
    private static readonly long Started = Stopwatch.GetTimestamp();

    public static double NowMs => Stopwatch.GetElapsedTime(Started).TotalMilliseconds;

    public static double At(long timestamp) => Stopwatch.GetElapsedTime(Started, timestamp).TotalMilliseconds;
}
