namespace PerfKit.Monitoring.Internal;

/// <summary>What the dispatcher tells its test observer.</summary>
internal readonly record struct DispatcherEvent(string Notifier, string Kind, TimeSpan Delay)
{
    public const string Sent = "sent";
    public const string Failed = "failed";
    public const string RetryWait = "retry-wait";
    public const string AbandonedWait = "abandoned-wait";
    public const string Dropped = "dropped";
    public const string Skipped = "skipped";
}
