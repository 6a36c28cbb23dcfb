using Microsoft.Extensions.Logging;

namespace PerfKit.Memory.Internal;

/// <summary>PerfKit.Memory's log messages: event ids 1000–1999.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1000, EventName = "PressureChanged", Level = LogLevel.Information,
        Message = "Memory pressure changed from {Previous} to {Current}: {UsageBytes} of {BudgetBytes} bytes in use")]
    public static partial void PressureChanged(ILogger logger, MemoryPressureLevel previous, MemoryPressureLevel current, long usageBytes, long budgetBytes);

    [LoggerMessage(EventId = 1001, EventName = "ReclaimCompleted", Level = LogLevel.Information,
        Message = "Memory reclaim {Result} target {TargetBytes} bytes: {BytesBefore} -> {BytesAfter} bytes in {DurationMs} ms over {StepCount} steps")]
    public static partial void ReclaimCompleted(ILogger logger, string result, long targetBytes, long bytesBefore, long bytesAfter, double durationMs, int stepCount);

    [LoggerMessage(EventId = 1002, EventName = "ResponderFailed", Level = LogLevel.Warning,
        Message = "Memory pressure responder {Responder} failed; reclaim goes on with the next responder")]
    public static partial void ResponderFailed(ILogger logger, Exception exception, string responder);

    [LoggerMessage(EventId = 1003, EventName = "ResponderTimedOut", Level = LogLevel.Warning,
        Message = "Memory pressure responder {Responder} did not finish within {TimeoutMs} ms; reclaim goes on with the next responder")]
    public static partial void ResponderTimedOut(ILogger logger, string responder, double timeoutMs);

    [LoggerMessage(EventId = 1004, EventName = "ObserverFailed", Level = LogLevel.Warning,
        Message = "A memory pressure observer threw; the other observers were still notified")]
    public static partial void ObserverFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1005, EventName = "SampleFailed", Level = LogLevel.Error,
        Message = "Memory sampling failed; the monitor keeps running")]
    public static partial void SampleFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1006, EventName = "AutomaticReclaimFailed", Level = LogLevel.Error,
        Message = "Automatic memory reclaim failed")]
    public static partial void AutomaticReclaimFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1007, EventName = "HeapHardLimitApplied", Level = LogLevel.Information,
        Message = "GC heap hard limit set to {LimitBytes} bytes")]
    public static partial void HeapHardLimitApplied(ILogger logger, long limitBytes);

    [LoggerMessage(EventId = 1008, EventName = "HeapHardLimitFailed", Level = LogLevel.Warning,
        Message = "The GC refused a heap hard limit of {LimitBytes} bytes; running without it")]
    public static partial void HeapHardLimitFailed(ILogger logger, Exception exception, long limitBytes);

    [LoggerMessage(EventId = 1009, EventName = "AutomaticReclaimBackedOff", Level = LogLevel.Warning,
        Message = "Automatic memory reclaim missed its target of {TargetBytes} bytes ({BytesAfter} bytes in use after it); the next automatic reclaim waits at least {NextIntervalSeconds} s")]
    public static partial void AutomaticReclaimBackedOff(ILogger logger, long targetBytes, long bytesAfter, double nextIntervalSeconds);

    [LoggerMessage(EventId = 1010, EventName = "AutomaticReclaimCancelled", Level = LogLevel.Debug,
        Message = "Automatic memory reclaim cancelled: the monitor was stopped")]
    public static partial void AutomaticReclaimCancelled(ILogger logger);

    [LoggerMessage(EventId = 1100, EventName = "ResourceLoaded", Level = LogLevel.Information,
        Message = "Lazy resource {Resource} loaded in {DurationMs} ms")]
    public static partial void ResourceLoaded(ILogger logger, string resource, double durationMs);

    [LoggerMessage(EventId = 1101, EventName = "ResourceLoadFailed", Level = LogLevel.Warning,
        Message = "Lazy resource {Resource} failed to load; the next use tries again")]
    public static partial void ResourceLoadFailed(ILogger logger, Exception exception, string resource);

    [LoggerMessage(EventId = 1102, EventName = "ResourceUnloaded", Level = LogLevel.Information,
        Message = "Lazy resource {Resource} unloaded ({Reason})")]
    public static partial void ResourceUnloaded(ILogger logger, string resource, string reason);

    [LoggerMessage(EventId = 1103, EventName = "ResourceDisposeFailed", Level = LogLevel.Warning,
        Message = "Lazy resource {Resource} threw while being disposed")]
    public static partial void ResourceDisposeFailed(ILogger logger, Exception exception, string resource);

    [LoggerMessage(EventId = 1104, EventName = "ResourceLoadCancelled", Level = LogLevel.Debug,
        Message = "Lazy resource {Resource} was disposed while loading; the load was cancelled")]
    public static partial void ResourceLoadCancelled(ILogger logger, string resource);
}
