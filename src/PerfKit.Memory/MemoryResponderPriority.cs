namespace PerfKit.Memory;

/// <summary>Conventional responder priorities: lower runs first.</summary>
public static class MemoryResponderPriority
{
    /// <summary>Pools: retained buffers are pure overhead and free to drop.</summary>
    public const int Pools = 100;

    /// <summary>Caches: entries can be fetched again.</summary>
    public const int Caches = 200;

    /// <summary>Lazy heavy resources: reloading costs time on the next use.</summary>
    public const int LazyResources = 300;

    /// <summary>Anything else, last.</summary>
    public const int Default = 1000;
}
